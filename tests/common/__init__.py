"""Tests of embedlab.common."""
