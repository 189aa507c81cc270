"""Areas named in a URL: tokens, plain names and slugs of provinces, regions, divisions and districts, the rule for
names that are both a district and a division, and names that are not known."""

from __future__ import annotations

import pytest

from tipdash import queries, scopes


@pytest.fixture(scope="module")
def options(warehouse):
    return queries.filter_options()


@pytest.mark.parametrize(("name", "kind", "value"), [
    ("south-punjab", "region", "south-punjab"),
    ("South Punjab", "region", "south-punjab"),
    ("punjab", "province", "Punjab"),
    ("khyber-pakhtunkhwa", "province", "Khyber Pakhtunkhwa"),
    ("Azad Jammu & Kashmir", "province", "Azad Jammu & Kashmir"),
    ("azad-jammu-kashmir", "province", "Azad Jammu & Kashmir"),
    ("karachi", "division", "Karachi"),  # a division only
    ("dera-ghazi-khan-division", "division", "Dera Ghazi Khan"),
    ("Multan Division", "division", "Multan"),
    ("division:multan", "division", "Multan"),
    ("division:Multan", "division", "Multan"),
    ("multan", "district", "multan"),  # a district and a division: the district
    ("Dera Ghazi Khan", "district", "dera-ghazi-khan"),
    ("multan-district", "district", "multan"),
    ("district:Multan", "district", "multan"),
    ("region:south-punjab", "region", "south-punjab"),
    ("province:punjab", "province", "Punjab"),
    ("PAKISTAN", "pakistan", ""),
])
def test_names_and_slugs_resolve(options, name, kind, value):
    scope = scopes.resolve(name, options)
    assert scope is not None, name
    assert (scope.kind, scope.value) == (kind, value)


def test_every_named_area_resolves_by_its_label_and_its_token(options):
    for scope in scopes.choices(options):
        assert scopes.resolve(scope.token, options) == scope
        by_label = scopes.resolve(scope.label, options)
        # A district's label ("Multan district") and a division's ("Multan Division") name their kind.
        assert by_label == scope, (scope.label, by_label)


def test_names_that_are_a_district_and_a_division_mean_the_district(options):
    both = [d for d in scopes.divisions(options)
            if any(scopes.slug(name) == scopes.slug(d) for name, _ in options.districts.values())]
    assert len(both) > 20  # most divisions are named after their seat
    for name in both:
        assert scopes.resolve(name, options).kind == "district", name
        assert scopes.resolve(f"{name} division", options).kind == "division", name


@pytest.mark.parametrize("name", ["atlantis", "district:karachi", "province:multan", "region:punjab", "", "  ", ":",
                                  "division:", "'; DROP TABLE cases", None, "south punjab division"])
def test_unknown_names_resolve_to_nothing(options, name):
    assert scopes.resolve(name, options) is None


def test_slugs():
    assert scopes.slug("Dera Ghazi Khan") == "dera-ghazi-khan"
    assert scopes.slug("  Azad Jammu & Kashmir ") == "azad-jammu-kashmir"
    assert scopes.slug("D.I. Khan") == "d-i-khan"
