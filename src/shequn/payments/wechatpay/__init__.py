"""WeChat Pay API v3 (直连商户): crypto, client, provider adapter, notifications
and an in-process simulator (specs/wechat-channel.md §3, §6)."""
