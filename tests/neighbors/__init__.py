"""Tests of embedlab.neighbors."""
