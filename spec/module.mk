SPEC_SRCS += $(wildcard spec/*.c)
