"""`/items/{id}`: one item with its content, story cluster, tag scores and why; tag corrections."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from monitor.config import TAGS
from monitor.item import Item
from monitor.watch.text import sanitize_html
from monitor.web import ids, teams  # noqa: F401 - ids: registers the {id:item} path convertor
from monitor.web.render import render
from monitor.web.security import csrf_protected
from monitor.web.views import reader_of

if TYPE_CHECKING:
    from classifiers.tagger import Tagger
    from monitor.web.app import Web

log = logging.getLogger(__name__)
ANONYMOUS = "web"


async def item_page(request: Request) -> Response:
    web = request.app.state.web
    member = await run_in_threadpool(teams.current, request)
    data = await run_in_threadpool(load_item, web, request.path_params["id"], member.id)
    if data is None:
        raise HTTPException(404, "no such item")
    await run_in_threadpool(opened, web, request, reader_of(request), request.path_params["id"])
    return render(request, "web/item.html", section="archive", may_correct=member.may("editor"), **data)


def opened(web: Web, request: Request, reader: str | None, item_id: int) -> None:
    """The item counts as seen by the reader (not on a browser's first request: a client that keeps
    no cookie would leave a reader each time). It is no activity of their visit: "new since my last
    visit" begins where they last looked at the list, and items that arrived while they read item
    pages afterwards were in no list they loaded (views.py)."""
    if reader is not None and not getattr(request.state, "new_browser", False):
        web.store.mark_seen(reader, [item_id])


def load_item(web: Web, item_id: int, team_id: int | None = None) -> dict | None:
    """The item page's data as `team_id` sees it: None when the team does not see the item; its story's
    other reports only from the team's sources; the team's tags and corrections."""
    store = web.store
    item = store.get_item(item_id, team_id)
    if item is None:
        return None
    cluster = [o for o in store.cluster_items(item.cluster, team_id) if o.id != item.id] if item.cluster else []
    limits = thresholds(web.tagger(), item)
    return {
        "item": item,
        # Sanitised at ingestion already; cleaned once more in case an older version stored it.
        "content": sanitize_html(item.content_html),
        "cluster": cluster,
        "history": store.correction_history(item_id, team_id),
        "explanation": explain(web.tagger(), item),
        "off_topic": off_topic(web.tagger(), item),
        "tag_rows": [{"tag": tag, "on": tag in item.tags, "score": item.scores.get(tag),
                      "threshold": limits.get(tag)} for tag in TAGS],
    }


def thresholds(tagger: Tagger | None, item: Item) -> dict[str, float]:
    """The score from which the model assigns each tag to this item (its language's thresholds: an
    English item may be tagged at a lower score than a German one), so a reader sees why a score of
    17 % can mean "assigned"; empty when there is no tagger."""
    if tagger is None:
        return {}
    try:
        return {tag: float(value) for tag, value in tagger.thresholds_for(item.lang, item.platforms).items()}
    except Exception:  # noqa: BLE001 - like explanations, a help and never a reason for a broken page
        log.warning("could not read the thresholds for item %s", item.id, exc_info=True)
        return {}


def off_topic(tagger: Tagger | None, item: Item) -> float | None:
    """How surely the item is about what Lagebild watches, when the topic gate lowered its scores
    (`classifiers.tagger.TOPIC_FLOOR`: under it, and about no platform), else None: a reader who
    sees low scores on an item that names none of the tags' topics learns why."""
    if tagger is None or item.platforms:
        return None
    from classifiers.tagger import TOPIC_FLOOR
    from monitor.tag.tagging import item_doc
    try:
        value = float(tagger.on_topic([item_doc(item)])[0])
    except Exception:  # noqa: BLE001 - like explanations, a help and never a reason for a broken page
        log.warning("could not read the topic gate for item %s", item.id, exc_info=True)
        return None
    return value if value < TOPIC_FLOOR else None


def explain(tagger: Tagger | None, item: Item) -> dict[str, list[tuple[str, float]]]:
    """Terms that pushed each tag's score, from the tagger; empty when there is no tagger."""
    if tagger is None:
        return {}
    from monitor.tag.tagging import explain_item  # the tagger's code loads with the tagger, not with the app
    try:
        found = explain_item(tagger, item)
    except Exception:  # noqa: BLE001 - explanations are a help, never a reason for a broken page
        log.warning("could not explain item %s", item.id, exc_info=True)
        return {}
    return {tag: [(str(term), float(weight)) for term, weight in terms] for tag, terms in (found or {}).items()}


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@csrf_protected
@teams.requires("editor")
async def correct_tags(request: Request) -> Response:
    web = request.app.state.web
    item_id = request.path_params["id"]
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in FORM_TYPES:        # another body reads as a form without tags: every tag would go
        raise HTTPException(415, "send the tags as a form (application/x-www-form-urlencoded)")
    form = await request.form()
    tags = sorted({str(v) for v in form.getlist("tag")})
    if any(tag not in TAGS for tag in tags):
        raise HTTPException(400, "unknown tag")
    user = request.session.get("user") or ANONYMOUS
    team = await run_in_threadpool(teams.team_id, request)
    try:
        await run_in_threadpool(lambda: web.store.correct_tags(item_id, tags, user, team_id=team))
    except KeyError:
        raise HTTPException(404, "no such item") from None
    web.counts.forget()             # the tag filters' counts include this item
    request.session["flash"] = "corrected"
    return RedirectResponse(f"/items/{item_id}#tags", 303)


ROUTES = [
    Route("/items/{id:item}", item_page, methods=["GET"]),
    Route("/items/{id:item}/tags", correct_tags, methods=["POST"]),
]
