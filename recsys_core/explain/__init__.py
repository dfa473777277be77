"""Explanations: one user's recommendations with the attention behind each, the checks of whether
that attention is honest (removal test), and the embedded shop's planted truth."""
