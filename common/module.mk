COMMON_SRCS += $(wildcard common/*.c)
UNIT_SRCS   += $(wildcard tests/unit/*.c)
