/* WeChat share card (web/store/wechat_share.py): reads the signed wx.config and
   the card from the #wx-share data block and hands them to the JS-SDK
   (vendor/jweixin.js, loaded before this file, defines window.wx). */
(function () {
  "use strict";
  var node = document.getElementById("wx-share");
  var wx = window.wx;
  if (!node || !wx || typeof wx.config !== "function") { return; }
  var data;
  try { data = JSON.parse(node.textContent); } catch (e) { return; }
  var cfg = data.config, share = data.share;
  wx.config({
    debug: false,
    appId: cfg.appId,
    timestamp: cfg.timestamp,
    nonceStr: cfg.nonceStr,
    signature: cfg.signature,
    jsApiList: cfg.jsApiList
  });
  wx.ready(function () {
    wx.updateAppMessageShareData({
      title: share.title, desc: share.desc, link: share.link, imgUrl: share.imgUrl
    });
    wx.updateTimelineShareData({
      title: share.title, link: share.link, imgUrl: share.imgUrl
    });
  });
  wx.error(function (res) {
    // e.g. "config:invalid signature": the card falls back to WeChat's default.
    if (window.console) { window.console.warn("wx.config failed", res && res.errMsg); }
  });
})();
