from shequn.core.errors import CodedError

# The three acts of 《禁止传销条例》第七条 (specs/distribution-law-and-practice.md §2).
ART7_1 = ("《禁止传销条例》第七条第（一）项：对发展的人员以其直接或者间接滚动发展的人员数量"
          "为依据计算和给付报酬（拉人头）",
          "Regulations on Prohibition of Pyramid Selling, Art. 7(1): paying by the number of "
          "people recruited directly or indirectly")
ART7_2 = ("《禁止传销条例》第七条第（二）项：要求被发展人员交纳费用或者"
          "以认购商品等方式变相交纳费用，取得加入或者发展其他人员加入的资格（入门费）",
          "Art. 7(2): requiring a fee, or a purchase as a disguised fee, to join or recruit")
ART7_3 = ("《禁止传销条例》第七条第（三）项：形成上下线关系，并以下线的销售业绩为依据"
          "计算和给付上线报酬（团队计酬）",
          "Art. 7(3): paying an upline on the sales of its downline (team commission)")


class CommissionError(CodedError):
    PLAN_PAYS_UPLINE = ("plan_pays_upline", "方案被拒绝：" + ART7_3[0],
                        "Plan refused: " + ART7_3[1], 422)
    PLAN_PAYS_PER_RECRUIT = ("plan_pays_per_recruit", "方案被拒绝：" + ART7_1[0],
                             "Plan refused: " + ART7_1[1], 422)
    PLAN_CHARGES_TO_JOIN = ("plan_charges_to_join", "方案被拒绝：" + ART7_2[0],
                            "Plan refused: " + ART7_2[1], 422)
    PLAN_INVALID = ("plan_invalid", "佣金方案无效", "Invalid commission plan", 422)
    PLAN_NOT_FOUND = ("plan_not_found", "佣金方案不存在", "Commission plan not found", 404)
    BAD_AMOUNT = ("bad_amount", "金额无效（须为大于零、最多两位小数的数字）",
                  "Invalid amount (a positive number with at most two decimals)", 422)
    BELOW_MINIMUM = ("below_minimum", "提现金额低于最低提现额", "Below the minimum withdrawal",
                     422)
    INSUFFICIENT_BALANCE = ("insufficient_balance", "可提现余额不足",
                            "Not enough available balance", 409)
    WITHDRAWAL_NOT_FOUND = ("withdrawal_not_found", "提现申请不存在", "Withdrawal not found", 404)
    WITHDRAWAL_STATE = ("withdrawal_state", "提现申请当前状态不允许此操作",
                        "The withdrawal's state does not allow this action", 409)
    OWN_WITHDRAWAL = ("own_withdrawal", "不能审核自己的提现申请",
                      "You cannot decide your own withdrawal", 403)
    REASON_REQUIRED = ("reason_required", "请填写原因", "A reason is required", 422)
    NOT_OPERATOR = ("not_operator", "仅运营人员可执行此操作", "Operators only", 403)
    NOT_LEADER = ("not_leader", "仅团长可执行此操作", "Leaders only", 403)
    LEADER_FROZEN = ("leader_frozen", "团长账号已冻结，暂不能提现",
                     "The leader account is frozen: no withdrawals", 403)
    REQUEST_KEY_REUSED = ("request_key_reused", "同一请求编号对应不同的提现金额",
                          "This request key was used for a different amount", 409)
    BAD_JURISDICTION = ("bad_jurisdiction", "法域设置无效", "Invalid jurisdiction setting", 422)
    LEDGER_APPEND_ONLY = ("ledger_append_only", "账簿只能追加，不能修改或删除",
                          "The ledger is append-only", 409)
    BAD_QUARTER = ("bad_quarter", "季度无效", "Invalid quarter", 422)
