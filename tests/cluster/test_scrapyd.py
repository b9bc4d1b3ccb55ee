"""The Scrapyd client against a node started by scripts/scrapyd-nodes."""

from __future__ import annotations

import pytest

from crawler.scrapyd import ScrapydError, ScrapydNode

pytestmark = pytest.mark.xdist_group("cluster")


def test_a_node_answers_and_refuses_unknown_spiders(scrapyd_nodes: list[str]) -> None:
    node = ScrapydNode(scrapyd_nodes[0])
    status = node.status()
    assert status.node_name.startswith("node-")
    assert isinstance(node.jobs(), dict)
    with pytest.raises(ScrapydError) as refused:
        node.schedule("no-such-county", "j1", {}, {})
    assert not refused.value.unreachable


def test_a_node_that_does_not_answer_is_unreachable() -> None:
    with pytest.raises(ScrapydError) as error:
        ScrapydNode("http://127.0.0.1:9", timeout=2).status()
    assert error.value.unreachable
