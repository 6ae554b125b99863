"""Tests of summitry.report."""
