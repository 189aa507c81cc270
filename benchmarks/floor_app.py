"""The least a Streamlit page with a plotly chart costs a browser: a heading and one three-point chart, nothing of
the dashboard. ``benchmarks.draw_bench`` times it beside the dashboard's pages, under the same load, so the page
times can be read against what the stack itself needs (its scripts, the websocket, plotly's library) on this
machine."""

import plotly.graph_objects as go
import streamlit as st

st.set_page_config(page_title="Floor", layout="wide")
st.title("Streamlit and plotly alone")
st.plotly_chart(go.Figure(go.Scatter(x=[1, 2, 3], y=[1, 3, 2])))
