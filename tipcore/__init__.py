"""What the ETL and the dashboard share: settings and the data contract's vocabularies. Imports neither."""
