"""Error codes of sign-in and roles."""

from __future__ import annotations

from shequn.core.errors import CodedError


class AccountError(CodedError):
    INVALID_PHONE = ("invalid_phone", "手机号格式不正确", "Invalid mainland mobile number", 422)
    CODE_INVALID = ("code_invalid", "验证码不正确", "Wrong verification code", 422)
    CODE_EXPIRED = ("code_expired", "验证码已过期，请重新获取",
                    "Verification code expired, request a new one", 422)
    TOO_MANY_ATTEMPTS = ("too_many_attempts", "验证码错误次数过多，请重新获取",
                         "Too many wrong attempts, request a new code", 429)
    RATE_LIMITED = ("rate_limited", "操作过于频繁，请稍后再试", "Too many requests", 429)
    BAD_CREDENTIALS = ("bad_credentials", "用户名或密码不正确", "Wrong username or password", 422)
    UNKNOWN_ROLE = ("unknown_role", "未知角色", "Unknown role", 422)
    BAD_AVATAR = ("bad_avatar", "头像须为 JPG、PNG 或 WebP 格式的图片",
                  "The avatar must be a JPEG, PNG or WebP picture", 422)
    AVATAR_TOO_LARGE = ("avatar_too_large", "头像图片不能超过 5 MB",
                        "The avatar picture must be 5 MB or less", 422)
