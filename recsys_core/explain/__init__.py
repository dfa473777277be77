"""Explanations: one user's recommendations with the attention behind each (user, explanation), over
the user's history as every explanation reads it with the one ranking of the catalogue (history), the
one removal rule every "what removing this does" number follows (removal), the honesty check (honesty:
attention's top item against the removal test), the embedded shop's planted truth (planted,
planted_hits), the explainer registry (explainers/), faithfulness per recommendation and over a
dataset, counterfactuals, the full report of one recommendation (report: the `explain` command),
what-if editing of a history (whatif), everything the Explain page shows for one view, computed once
(page), and exports (export: CSV and an offline HTML report). The sentences are recsys_core.claims'."""
