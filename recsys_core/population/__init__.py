"""The population view: what drives a model's recommendations across all users (or a seeded sample of
them), measured with the same ranking path and removal rule as one user's explanation.

    sweep.py     the one batched pass: every user's top-K (models/ranking), the removal test of every
                 history item for each of them (explainers/occlusion, the one removal rule), and what
                 attention and the other explainers say about the same rows, one chunk of users at a time
    pairs.py     because-of pairs: (history item -> recommended item) by total measured influence, with
                 how often attention agrees, the users each covers, and precision against planted truth
    flows.py     history category -> recommended category, by attention mass and by measured influence
    profile.py   look-back profile: attention and influence by steps back (per layer for a stack), and
                 where the embedded shop's generator placed follow-ups
    trust.py     how often each explainer's top item is the removal test's top item, with 95% intervals
    slices.py    NDCG@10 / HR@10 by history length, held-out popularity decile and category; popularity
                 bias and catalogue coverage of the recommendations
    itemmap.py   a 2-D PCA of the item embeddings and each item's nearest neighbours
    report.py    `patterns()`: all of the above as one typed Patterns (to_json at the boundary)
    export.py    the Patterns as CSV tables and an offline HTML report (no scripts)

The sentences about these numbers are generated in recsys_core/claims/population.py.
"""
