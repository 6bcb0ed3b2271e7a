"""The WeChat Pay v3 simulator (specs/wechat-channel.md §3, §6): the same API
subset and wire format as api.mch.weixin.qq.com, state in the database."""
