"""The set-based statements of accrual and settlement. Portable between
PostgreSQL and SQLite: money is computed in whole cents with integer
arithmetic (SQLite has no exact decimal type), half up, then divided by 100.
Table names come from the models' metadata, values are always parameters."""

from __future__ import annotations

from shequn.catalog.models import SKU, Product
from shequn.commission.models import (
    CommissionLine,
    CommissionPlan,
    LeaderBalance,
    Posting,
)
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import AfterSale, Order, OrderLine

LINE = CommissionLine._meta.db_table
PLAN = CommissionPlan._meta.db_table
POSTING = Posting._meta.db_table
BALANCE = LeaderBalance._meta.db_table
ORDER = Order._meta.db_table
ORDERLINE = OrderLine._meta.db_table
AFTERSALE = AfterSale._meta.db_table
SKU_T = SKU._meta.db_table
PRODUCT = Product._meta.db_table
LEADER_PROFILE = LeaderProfile._meta.db_table

# Orders that have been paid and not refunded or cancelled. A late or duplicate
# "order.paid" for an order refunded meanwhile accrues nothing.
ACCRUE_STATES = ("paid", "shipped", "delivered", "completed")
# Only an approved leader earns (frozen, terminated or never-applied ones earn
# nothing new; existing lines are kept): see the EXISTS in _candidates.

_cents = "CAST(ROUND({} * 100) AS BIGINT)"


def _candidates(level: int) -> str:
    """Order lines with the plan that applies at ``level``. Level 1 pays the
    attributed leader. Level 2 pays that leader's inviter (团队计酬): it only
    finds a plan when an operator's jurisdiction setting allowed a level-2
    plan (never under the mainland-China default, see policy.py)."""
    # Skip the level-2 joins outright while no level-2 plan is active.
    guard = "" if level == 1 else (
        f"AND EXISTS (SELECT 1 FROM {PLAN} l2 "  # noqa: S608
        "WHERE l2.level = 2 AND l2.active = %(true)s)")
    if level == 1:
        beneficiary, upline_join = "o.leader_id", ""
    else:
        beneficiary = "up.user_id"
        upline_join = (f"JOIN {LEADER_PROFILE} lp ON lp.user_id = o.leader_id "
                       f"JOIN {LEADER_PROFILE} up ON up.id = lp.inviter_id")
    cents = _cents.format
    return f"""
  SELECT o.id AS order_id, ol.id AS line_id, {beneficiary} AS leader_id, {level} AS level,
         p.id AS product_id, ol.qty AS qty,
         COALESCE(pp.id, pc.id, pd.id) AS plan_id,
         COALESCE(pp.kind, pc.kind, pd.kind) AS kind,
         COALESCE(pp.rate, pc.rate, pd.rate) AS rate,
         COALESCE(pp.fixed_amount, pc.fixed_amount, pd.fixed_amount) AS fixed_amount,
         {cents('ol.goods_value')} - (CASE
            WHEN o.discount > 0 AND o.goods_value > 0
            THEN (2 * {cents('o.discount')} * {cents('ol.goods_value')}
                  + {cents('o.goods_value')}) / (2 * {cents('o.goods_value')})
            ELSE 0 END) AS base_cents
  FROM {ORDER} o
  JOIN {ORDERLINE} ol ON ol.order_id = o.id
  JOIN {SKU_T} s ON s.id = ol.sku_id
  JOIN {PRODUCT} p ON p.id = s.product_id
  {upline_join}
  LEFT JOIN {PLAN} pp ON pp.scope = 'product' AND pp.product_id = p.id
       AND pp.active = %(true)s AND pp.level = {level}
  LEFT JOIN {PLAN} pc ON pc.scope = 'category' AND pc.category_id = p.category_id
       AND pc.active = %(true)s AND pc.level = {level}
  LEFT JOIN {PLAN} pd ON pd.scope = 'default' AND pd.active = %(true)s
       AND pd.level = {level}
  WHERE o.id = %(order_id)s AND o.leader_id IS NOT NULL AND {beneficiary} <> o.user_id
    AND o.state IN {ACCRUE_STATES!r}
    AND EXISTS (SELECT 1 FROM {LEADER_PROFILE} ok WHERE ok.user_id = {beneficiary}
                AND ok.status = 'approved')
    {guard}
"""  # noqa: S608


# One INSERT … SELECT per order: order lines joined to the plan that applies
# (product > category > default); base = goods value minus the line's share of
# the order discount (tax and freight are never in it); nobody earns on their
# own purchase. ON CONFLICT makes a duplicate event harmless.
ACCRUE_LINES = f"""
INSERT INTO {LINE} (order_id, order_line_id, leader_id, product_id, plan_id, level, kind,
                    rate, fixed_amount, qty, base, amount, reversed_amount, clawed_amount,
                    state, created_at)
SELECT x.order_id, x.line_id, x.leader_id, x.product_id, x.plan_id, x.level, x.kind,
       x.rate, x.fixed_amount, x.qty, x.base_cents / 100.0,
       (CASE WHEN x.kind = 'rate'
             THEN (x.base_cents * CAST(ROUND(x.rate * 1000000) AS BIGINT) + 500000) / 1000000
             WHEN {_cents.format('x.fixed_amount')} * x.qty < x.base_cents
             THEN {_cents.format('x.fixed_amount')} * x.qty
             ELSE x.base_cents END) / 100.0,
       0, 0, 'pending', %(now)s
FROM ({_candidates(1)} UNION ALL {_candidates(2)}) x
WHERE x.plan_id IS NOT NULL AND x.base_cents > 0
ON CONFLICT (order_line_id, level) DO NOTHING
"""  # noqa: S608

# The accrual entries of the order's lines: Dr expense / Cr leader pending.
ACCRUE_POSTINGS = f"""
INSERT INTO {POSTING} (entry, seq, kind, account, leader_id, amount, at, commission_line_id)
SELECT 'accrue:' || CAST(c.id AS TEXT), 1, 'accrue', 'expense', c.leader_id, c.amount,
       %(now)s, c.id
FROM {LINE} c WHERE c.order_id = %(order_id)s
UNION ALL
SELECT 'accrue:' || CAST(c.id AS TEXT), 2, 'accrue', 'pending', c.leader_id, -c.amount,
       %(now)s, c.id
FROM {LINE} c WHERE c.order_id = %(order_id)s
ON CONFLICT (entry, seq) DO NOTHING
"""  # noqa: S608

# Settlement, set-based. One journal entry per (run, leader) moves the
# leader's settled total from pending to available (a million lines make a few
# thousand postings, not two million); each line records its run.

# PostgreSQL: one statement. Claim every pending line of a completed order with
# no open return request (returns are accepted after completion too; a line
# waits while one is open; a concurrent run would wait on the row locks and
# then skip them), total per leader, book the entries, add to the balance rows,
# return the run's totals.
SETTLE_PG = f"""
WITH claimed AS (
  UPDATE {LINE} SET state = 'settled', settled_at = %(now)s, settlement_run_id = %(run)s
  WHERE state = 'pending'
    AND order_id IN (SELECT id FROM {ORDER} WHERE state = 'completed')
    AND order_id NOT IN (SELECT order_id FROM {AFTERSALE}
                         WHERE state IN ('open', 'approved'))
  RETURNING leader_id, amount - reversed_amount AS net
), per_leader AS (
  SELECT leader_id, SUM(net) AS net, COUNT(*) AS n FROM claimed GROUP BY leader_id
), posted AS (
  INSERT INTO {POSTING} (entry, seq, kind, account, leader_id, amount, at)
  SELECT 'settle:' || %(run)s || ':' || p.leader_id, s.seq, 'settle',
         CASE s.seq WHEN 1 THEN 'pending' ELSE 'available' END, p.leader_id,
         CASE s.seq WHEN 1 THEN p.net ELSE -p.net END, %(now)s
  FROM per_leader p CROSS JOIN (SELECT 1 AS seq UNION ALL SELECT 2) s
), balances AS (
  INSERT INTO {BALANCE} (leader_id, available)
  SELECT leader_id, net FROM per_leader
  ON CONFLICT (leader_id) DO UPDATE SET available = {BALANCE}.available + excluded.available
)
SELECT COALESCE(SUM(n), 0), COUNT(*), COALESCE(SUM(net), 0) FROM per_leader
"""  # noqa: S608

# Other engines (SQLite has no data-modifying CTEs): the same in four statements.
SETTLE_CLAIM = f"""
UPDATE {LINE} SET state = 'settled', settled_at = %(now)s, settlement_run_id = %(run)s
WHERE state = 'pending'
  AND order_id IN (SELECT id FROM {ORDER} WHERE state = 'completed')
  AND order_id NOT IN (SELECT order_id FROM {AFTERSALE} WHERE state IN ('open', 'approved'))
"""  # noqa: S608

SETTLE_POSTINGS = f"""
INSERT INTO {POSTING} (entry, seq, kind, account, leader_id, amount, at)
SELECT 'settle:' || %(run)s || ':' || p.leader_id, s.seq, 'settle',
       CASE s.seq WHEN 1 THEN 'pending' ELSE 'available' END, p.leader_id,
       CASE s.seq WHEN 1 THEN p.net ELSE -p.net END, %(now)s
FROM (SELECT leader_id, SUM(amount - reversed_amount) AS net FROM {LINE}
      WHERE settlement_run_id = %(run)s GROUP BY leader_id) p
CROSS JOIN (SELECT 1 AS seq UNION ALL SELECT 2) s
"""  # noqa: S608

SETTLE_BALANCES = f"""
INSERT INTO {BALANCE} (leader_id, available)
SELECT c.leader_id, SUM(c.amount - c.reversed_amount)
FROM {LINE} c WHERE c.settlement_run_id = %(run)s
GROUP BY c.leader_id
ON CONFLICT (leader_id) DO UPDATE SET available = {BALANCE}.available + excluded.available
"""  # noqa: S608

SETTLE_TOTALS = f"""
SELECT COUNT(*), COUNT(DISTINCT c.leader_id), COALESCE(SUM(c.amount - c.reversed_amount), 0)
FROM {LINE} c WHERE c.settlement_run_id = %(run)s
"""  # noqa: S608

# One settlement at a time (PostgreSQL advisory lock; SQLite serialises writers).
SETTLE_LOCK_KEY = 0x5E77_1E
