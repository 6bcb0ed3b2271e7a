"""Error codes of leader applications, invitations, the recruitment tree and
customer binding."""

from __future__ import annotations

from shequn.core.errors import CodedError


class DistributionError(CodedError):
    NOT_SIGNED_IN = ("not_signed_in", "请先登录", "Sign-in required", 401)
    NOT_OPERATOR = ("not_operator", "只有运营人员可以执行该操作",
                    "Only an operator may do this", 403)
    INVALID_REAL_NAME = ("invalid_real_name", "请填写 2–30 个字符的真实姓名",
                         "Real name: 2–30 characters", 422)
    INVALID_PHONE = ("invalid_phone", "手机号格式不正确", "Invalid mainland mobile number", 422)
    INVALID_REGION = ("invalid_region", "请填写所在地区（1–60 个字符）",
                      "Region: 1–60 characters", 422)
    INVALID_REASON = ("invalid_reason", "申请理由最多 500 个字符且不含 < >",
                      "Reason: at most 500 characters without < or >", 422)
    SELF_DECISION = ("self_decision", "不能审核自己的团长申请或状态",
                     "An operator cannot decide on their own leader profile", 403)
    REASON_REQUIRED = ("reason_required", "请填写操作原因（1–200 个字符）",
                       "A reason (1–200 characters) is required", 422)
    ALREADY_APPLIED = ("already_applied", "您已提交过团长申请",
                       "You have already applied to become a leader", 409)
    APPLICATION_NOT_FOUND = ("application_not_found", "找不到该团长申请",
                             "Leader application not found", 404)
    INVALID_TRANSITION = ("invalid_transition", "当前状态不允许该操作",
                          "This action is not allowed in the current status", 409)
    INVALID_INVITE_CODE = ("invalid_invite_code", "邀请码无效",
                           "Unknown or invalid invite code", 422)
    INVALID_INVITE_LINK = ("invalid_invite_link", "邀请链接无效或已过期",
                           "The invite link is invalid or expired", 400)
    SELF_INVITATION = ("self_invitation", "不能邀请自己", "A leader cannot invite themself", 422)
    INVITATION_LOOP = ("invitation_loop", "邀请关系不能形成环",
                       "The invitation would create a loop", 422)
    TREE_TOO_DEEP = ("tree_too_deep", "邀请层级过深", "The recruitment tree is too deep here", 422)
    NOT_A_LEADER = ("not_a_leader", "对方不是有效的团长", "Not an active leader", 422)
    SELF_BINDING = ("self_binding", "团长不能绑定自己为客户",
                    "A leader cannot bind themself as a customer", 422)
    BINDING_LOOP = ("binding_loop", "该团长是您的客户，不能互相绑定",
                    "This leader is your own customer: bindings cannot form a loop", 422)
    INVALID_CHANNEL = ("invalid_channel", "绑定渠道无效", "Invalid binding channel", 422)
    SHOP_MISMATCH = ("shop_mismatch", "店铺不属于该团长", "The shop is not this leader's", 422)
    INVALID_POLICY = ("invalid_policy", "客户绑定规则配置无效",
                      "Invalid customer binding policy setting", 500)
