"""Explanations: one user's recommendations with the attention behind each (user, explanation), the
checks of whether that attention is honest (honesty: the removal test), the embedded shop's planted
truth (planted, planted_hits), the explainer registry (explainers/), faithfulness per recommendation
and over a dataset (faithfulness, dataset_faithfulness), counterfactuals, sentences generated from the
measured numbers (words), the full report of one recommendation (report: the `explain` command),
what-if editing of a history (whatif), and exports (export: CSV and an offline HTML report)."""
