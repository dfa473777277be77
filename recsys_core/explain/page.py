"""Everything the Explain page shows for one (model, user, K, edit), computed once: the explanation,
the hard-trained partner's rows for the same recommendations, and every recommendation's claims; a
why-not item's row and claims; and the page as a document to take away (the JSON export, which is
`recommend --json` with what the page added beside it: why-not rows, the what-if edit, the claims)."""
from dataclasses import dataclass, field

from ..claims.edits import edit_claims
from ..claims.facts import Claim
from ..claims.recommendation import recommendation_claims, why_not_claims
from ..store.opened import Loaded
from .explanation import Explanation, Recommendation
from .user import explain_rows, explain_user
from .whatif import WhatIf


@dataclass
class PageExplanation:
    expl: Explanation
    partner: Explanation | None = None  # the hard-trained model's rows for the same items, in the same order
    claims: list[list[Claim]] = field(default_factory=list)  # per recommendation, in reading order

    def claims_for(self, item_id: str) -> list[Claim]:
        for r, c in zip(self.expl.recommendations, self.claims):
            if r.item_id == item_id:
                return c
        return []

    def partner_row(self, j: int) -> Recommendation | None:
        return self.partner.recommendations[j] if self.partner is not None else None


def explain_page(loaded: Loaded, user_id, k: int = 10, partner: Loaded | None = None, planted: dict | None = None,
                 history: list[str] | None = None, partner_planted: dict | None = None) -> PageExplanation:
    """The user's explanation (or an edited history's), the partner's rows beside it and every claim."""
    expl = explain_user(loaded, user_id, k=k, planted=planted, history=history)
    rows = None
    if partner is not None and expl.recommendations:
        rows = explain_rows(partner, user_id, [r.item_id for r in expl.recommendations], history=history,
                            planted=partner_planted)
    claims = [recommendation_claims(r, expl, rows.recommendations[j] if rows else None, rows)
              for j, r in enumerate(expl.recommendations)]
    return PageExplanation(expl=expl, partner=rows, claims=claims)


@dataclass
class WhyNot:
    row: Recommendation  # the item as a row of the user's explanation (rank, score, weights, removal test)
    expl: Explanation  # the explanation it is a row of (its history gives the columns)
    in_history: bool
    claims: list[Claim]  # where it stands; for an item the user has, that one line and nothing else


def why_not_item(loaded: Loaded, page: PageExplanation, item_id: str, planted: dict | None = None) -> WhyNot:
    expl = page.expl
    have = any(h.item_id == str(item_id) for h in expl.history) or _had(loaded, expl.user_id, item_id)
    res = explain_user(loaded, expl.user_id, k=len(expl.recommendations), extra_items=[item_id],
                       influence=not have, planted=planted)
    row = res.why_not[0]
    claims = why_not_claims(row, expl, have, loaded.data.n_items)
    if not have and not (row.rank is not None and row.rank < len(expl.recommendations)):
        claims += recommendation_claims(row, res)
    return WhyNot(row=row, expl=res, in_history=have, claims=claims)


def _had(loaded: Loaded, user_id, item_id) -> bool:
    from ..data.lookup import find_item, find_user
    data = loaded.data
    return find_item(data, item_id) in set(data.seq(find_user(data, user_id)).tolist())


def page_document(page: PageExplanation, why_not: WhyNot | None = None, whatif: WhatIf | None = None,
                  titles: dict | None = None) -> dict:
    """The JSON export: `recommend --json`'s keys, with the why-not item's row, the what-if edit and every
    sentence the page shows beside them."""
    doc = page.expl.to_json()
    if why_not is not None:
        doc["why_not"] = doc["why_not"] + [why_not.row.to_json()]
    doc["claims"] = {r.item_id: [c.to_json() for c in cs] for r, cs in zip(page.expl.recommendations, page.claims)}
    if why_not is not None:
        doc["why_not_claims"] = [c.to_json() for c in why_not.claims]
    if page.partner is not None:
        doc["hard_partner"] = {"model": page.partner.model,
                               "hard": {r.item_id: r.hard for r in page.partner.recommendations}}
    if whatif is not None:
        steps = edit_claims(whatif.original, whatif.edit, titles or {})
        doc["what_if"] = {"edit": whatif.edit, "steps": [c.text for c in steps], "history": whatif.history,
                          "moves": [vars(m) for m in whatif.moves]}
    return doc
