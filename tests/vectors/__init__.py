"""Tests of embedlab.vectors."""
