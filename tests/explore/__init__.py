"""Tests of embedlab.explore."""
