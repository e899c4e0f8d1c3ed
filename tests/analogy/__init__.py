"""Tests of embedlab.analogy."""
