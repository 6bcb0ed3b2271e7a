"""The one-language check itself (tests/web/language.py): it must catch the other
language where a user sees it and leave data and code alone."""

from __future__ import annotations

from tests.web.language import chinese_in, english_in, visible_text


def test_text_attributes_shown_to_users_count_and_hidden_elements_do_not() -> None:
    html = """<html><head><title>订单</title><style>.a{}</style>
      <script>var label = "Orders";</script></head>
      <body><template><p>Hidden</p></template>
      <input placeholder="搜索" value="value is not shown text" name="query">
      <img alt="Poster" src="/x.png"><a aria-label="返回" title="Go back" href="/">‹</a>
      <p>Total<br>合计</p></body></html>"""
    assert visible_text(html) == ["订单", "搜索", "Poster", "返回", "Go back", "‹", "Total", "合计"]


def test_data_marked_translate_no_is_skipped_with_everything_inside_it() -> None:
    html = """<div>商品 <span translate="no">Sakura <b>Serum</b> <img alt="Sakura"></span>
      数量 <span translate="NO">Kiehl's</span></div>"""
    assert english_in(html) == []
    assert visible_text(html) == ["商品", "数量"]


def test_a_chinese_page_flags_english_words_but_not_codes() -> None:
    html = "<p>SKU 编码</p><p>GMV ¥120.00</p><p>申请退货 <small>Return</small></p><p>CEB625</p>"
    assert english_in(html) == ["Return (in 'Return')"]


def test_an_english_page_flags_any_chinese_character() -> None:
    html = "<p>Orders</p><p>Paid <small>已支付</small></p><p>Total ￥1</p>"
    assert chinese_in(html) == ["已支付", "Total ￥1"]


def test_unclosed_and_void_elements_do_not_leak_the_skipped_state() -> None:
    html = '<p translate="no">Alice<br><input value=x></p><p>Orders<img src="/a.png"></p>'
    assert visible_text(html) == ["Orders"]
