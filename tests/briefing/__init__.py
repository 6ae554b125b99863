"""Tests of summitry.briefing."""
