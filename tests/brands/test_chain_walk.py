"""The pure chain walk (brands.chain.paths): no database."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from shequn.brands.chain import Item, Link, Path, best_path, paths

D = dt.date
Y1, Y2 = D(2026, 1, 1), D(2026, 12, 31)
BRAND, IMPORTER, AGENT, DEALER, SELLER = 1, 2, 3, 4, 5
ITEM = Item(sku=100, owner=BRAND, seller=SELLER, category=7)


def link(i, a, b, **kw):
    kw.setdefault("valid_from", Y1)
    kw.setdefault("valid_to", Y2)
    return Link(id=i, grantor=a, grantee=b, **kw)


def test_direct_grant():
    assert paths(ITEM, [link(1, BRAND, SELLER)]) == [Path((1,), Y1, Y2)]


def test_owner_selling_itself_needs_no_grant():
    item = Item(sku=1, owner=BRAND, seller=BRAND)
    [p] = paths(item, [])
    assert p.grant_ids == () and p.valid_on(D(2031, 5, 5))


def test_two_and_three_levels_and_the_validity_intersection():
    two = [link(1, BRAND, IMPORTER, valid_from=D(2026, 3, 1)),
           link(2, IMPORTER, SELLER, valid_to=D(2026, 9, 30))]
    assert paths(ITEM, two) == [Path((1, 2), D(2026, 3, 1), D(2026, 9, 30))]
    three = [link(1, BRAND, IMPORTER), link(2, IMPORTER, AGENT), link(3, AGENT, SELLER)]
    assert paths(ITEM, three) == [Path((1, 2, 3), Y1, Y2)]


def test_a_fourth_level_is_refused():
    four = [link(1, BRAND, IMPORTER), link(2, IMPORTER, AGENT), link(3, AGENT, DEALER),
            link(4, DEALER, SELLER)]
    assert paths(ITEM, four) == []
    assert paths(ITEM, four, max_links=4) == [Path((1, 2, 3, 4), Y1, Y2)]


def test_a_broken_link_breaks_the_chain():
    assert paths(ITEM, [link(1, BRAND, IMPORTER), link(2, AGENT, SELLER)]) == []
    # A grant from someone who does not hold the brand leads nowhere.
    assert paths(ITEM, [link(1, IMPORTER, SELLER)]) == []


def test_scope_excludes_the_sku():
    cats = link(1, BRAND, SELLER, scope="categories", categories=frozenset({8}))
    assert paths(ITEM, [cats]) == []
    assert paths(ITEM, [link(1, BRAND, SELLER, scope="categories",
                             categories=frozenset({7}))])
    listed = link(1, BRAND, SELLER, scope="skus", skus=frozenset({101}))
    assert paths(ITEM, [listed]) == []
    assert paths(ITEM, [link(1, BRAND, SELLER, scope="skus", skus=frozenset({100}))])
    no_category = Item(sku=100, owner=BRAND, seller=SELLER, category=None)
    assert paths(no_category, [cats]) == []


def test_expired_suspended_and_other_channels_do_not_count():
    assert paths(ITEM, [link(1, BRAND, SELLER, status="suspended")]) == []
    assert paths(ITEM, [link(1, BRAND, SELLER, status="revoked")]) == []
    assert paths(ITEM, [link(1, BRAND, SELLER, status="expired")]) == []
    assert paths(ITEM, [link(1, BRAND, SELLER, status="pending")]) == []
    assert paths(ITEM, [link(1, BRAND, SELLER, channel="wholesale")]) == []
    # Validity windows that do not overlap: no common day, no path.
    apart = [link(1, BRAND, IMPORTER, valid_to=D(2026, 3, 1)),
             link(2, IMPORTER, SELLER, valid_from=D(2026, 4, 1))]
    assert paths(ITEM, apart) == []
    # A path valid only in the past is not the one shown today.
    old = [link(1, BRAND, SELLER, valid_to=D(2026, 2, 1))]
    assert best_path(ITEM, old, D(2026, 1, 15)) is not None
    assert best_path(ITEM, old, D(2026, 2, 2)) is None


def test_cycles_end():
    loop = [link(1, BRAND, IMPORTER), link(2, IMPORTER, AGENT), link(3, AGENT, IMPORTER),
            link(4, AGENT, BRAND), link(5, IMPORTER, BRAND)]
    assert paths(ITEM, loop) == []
    loop.append(link(6, AGENT, SELLER))
    assert paths(ITEM, loop) == [Path((1, 2, 6), Y1, Y2)]


def test_shortest_path_first():
    links = [link(1, BRAND, IMPORTER), link(2, IMPORTER, SELLER), link(3, BRAND, SELLER,
                                                                    valid_to=D(2026, 6, 1))]
    found = paths(ITEM, links)
    assert [p.grant_ids for p in found] == [(3,), (1, 2)]


orgs = st.integers(min_value=1, max_value=6)
dates = st.dates(min_value=D(2025, 1, 1), max_value=D(2027, 12, 31))


@st.composite
def link_sets(draw):
    n = draw(st.integers(min_value=0, max_value=10))
    out = []
    for i in range(n):
        a, b = draw(orgs), draw(orgs)
        f, t = sorted((draw(dates), draw(dates)))
        out.append(Link(id=i + 1, grantor=a, grantee=b, valid_from=f, valid_to=t,
                        status=draw(st.sampled_from(["active", "active", "suspended"]))))
    return out


@settings(max_examples=200, deadline=None)
@given(link_sets())
def test_every_path_is_a_real_chain(links):
    by_id = {lk.id: lk for lk in links}
    item = Item(sku=1, owner=1, seller=5)
    for p in paths(item, links):
        chain = [by_id[i] for i in p.grant_ids]
        assert 1 <= len(chain) <= 3
        assert chain[0].grantor == 1 and chain[-1].grantee == 5
        assert all(x.grantee == y.grantor for x, y in itertools.pairwise(chain))
        assert all(x.status == "active" for x in chain)
        visited = [chain[0].grantor, *(x.grantee for x in chain)]
        assert len(set(visited)) == len(visited)  # no cycle
        assert p.valid_from == max(x.valid_from for x in chain)
        assert p.valid_to == min(x.valid_to for x in chain)
        assert p.valid_from <= p.valid_to
