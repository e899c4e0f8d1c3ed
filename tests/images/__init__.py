"""Tests of embedlab.images."""
