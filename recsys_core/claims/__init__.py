"""Claims: every sentence the product says about a model, generated from typed facts, and the program
that checks them.

    facts.py           Claim (text, tone, the facts it cites) and the fact types, each checkable
    recommendation.py  one recommendation: attention vs the removal test, the planted truth (naming the
                       hard map each sentence means), attributes; why-not items
    measured.py        the measured report of one recommendation: ranks after removals, counterfactuals
    edits.py           what-if steps by what they did; how a training run ended
    check.py           regenerate the claims for users of a model and confirm every fact by re-scoring
                       through the what-if editor's path (`python -m recsys_core check-claims`)

The pages, the HTML report, the exports and the CLI print these texts; none writes its own.
"""
