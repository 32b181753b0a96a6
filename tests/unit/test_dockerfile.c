/* test_dockerfile.c: the Dockerfile parser (build/parser.c, build/lexer.c):
 * docker's forms of each instruction, line continuations, comments, parser
 * directives, heredocs, flags, stages, and the errors naming the line. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "build/dockerfile.h"
#include "common/buf.h"
#include "common/cleanup.h"
#include "common/err.h"
#include "tests/unit/unit.h"

static void dump_instr(struct buf *b, const struct df_instr *in)
{
	buf_adds(b, df_kind_name(in->kind));
	for (size_t i = 0; i < in->nflags; i++)
		buf_addf(b, " --%s%s%s", in->flags[i].name, in->flags[i].value ? "=" : "",
			 in->flags[i].value ? in->flags[i].value : "");
	if (in->json)
		buf_adds(b, " json");
	for (size_t i = 0; i < in->nargs; i++)
		buf_addf(b, " <%s>", in->args[i]);
	for (size_t i = 0; i < in->nkvs; i++)
		buf_addf(b, " {%s%s%s}", in->kvs[i].key, in->kvs[i].has_value ? "=" : "",
			 in->kvs[i].has_value ? in->kvs[i].value : "");
	for (size_t i = 0; i < in->nheredocs; i++)
		buf_addf(b, " <<%s%s%s:%s", in->heredocs[i].chomp ? "-" : "",
			 in->heredocs[i].expand ? "" : "'", in->heredocs[i].name,
			 in->heredocs[i].content);
	if (in->onbuild) {
		buf_adds(b, " [");
		dump_instr(b, in->onbuild);
		buf_adds(b, "]");
	}
}

/* Each instruction as "LINE KIND --flag=v json <arg> {k=v} <<name:body",
 * one a line. */
static char *dump(const struct dockerfile *df)
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < df->ninstrs; i++) {
		buf_addf(&b, "%d ", df->instrs[i].line);
		dump_instr(&b, &df->instrs[i]);
		buf_addch(&b, '\n');
	}
	return buf_detach(&b, NULL);
}

/* Parse text; the dump, or "error: MSG". */
static char *parse(const char *text)
{
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;
	char *out;

	if (dockerfile_parse(text, strlen(text), "Dockerfile", &df, &e) < 0)
		return xasprintf("error: %s", e->msg);
	out = dump(df);
	dockerfile_free(df);
	return out;
}

#define CHECK_PARSE(text, want)                                                                    \
	do {                                                                                       \
		cleanup_free char *got_ = parse(text);                                             \
		CHECK_STR(got_, want);                                                             \
	} while (0)

TEST(dockerfile_kind_names)
{
	CHECK_STR(df_kind_name(DF_FROM), "FROM");
	CHECK_STR(df_kind_name(DF_HEALTHCHECK), "HEALTHCHECK");
	CHECK_STR(df_kind_name(DF_ADD), "ADD");
	CHECK_STR(df_kind_name((enum df_kind)99), "?");
}

TEST(dockerfile_from_forms)
{
	CHECK_PARSE("FROM busybox\n", "1 FROM <busybox>\n");
	CHECK_PARSE("from busybox:1.36 as Build\n", "1 FROM <busybox:1.36> <as> <Build>\n");
	CHECK_PARSE("FROM --platform=linux/amd64 scratch AS a\n",
		    "1 FROM --platform=linux/amd64 <scratch> <AS> <a>\n");
	CHECK_PARSE("FROM $BASE\n", "1 FROM <$BASE>\n");
	CHECK_PARSE("FROM\n", "error: Dockerfile:1: FROM requires either one or three arguments");
	CHECK_PARSE("FROM a b\n",
		    "error: Dockerfile:1: FROM requires either one or three arguments");
	CHECK_PARSE("FROM a AS 1x\n",
		    "error: Dockerfile:1: invalid name for build stage: \"1x\", name can't start "
		    "with a number or contain symbols");
	CHECK_PARSE("FROM a AS b/c\n",
		    "error: Dockerfile:1: invalid name for build stage: \"b/c\", name can't start "
		    "with a number or contain symbols");
	CHECK_PARSE("FROM --platorm=x a\n",
		    "error: Dockerfile:1: unknown flag: --platorm (FROM takes --platform)");
}

TEST(dockerfile_stages)
{
	const char *text = "ARG V=1\nARG B\nFROM busybox AS Base\nRUN a\n"
			   "FROM base AS two\nCOPY --from=base /a /b\nFROM scratch\n";
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;

	CHECK_INT(dockerfile_parse(text, strlen(text), "Dockerfile", &df, &e), 0);
	CHECK_INT(df->ninstrs, 7);
	CHECK_INT(df->nmeta, 2);
	CHECK_INT(df->nstages, 3);
	CHECK_STR(df->stages[0].name, "base");
	CHECK_INT(df->stages[0].from, 2);
	CHECK_INT(df->stages[0].end, 4);
	CHECK_STR(df->stages[1].name, "two");
	CHECK_INT(df->stages[1].from, 4);
	CHECK_INT(df->stages[1].end, 6);
	CHECK(df->stages[2].name == NULL);
	CHECK_INT(df->stages[2].from, 6);
	CHECK_INT(df->stages[2].end, 7);
	CHECK_INT(dockerfile_stage(df, "base"), 0);
	CHECK_INT(dockerfile_stage(df, "BASE"), 0);
	CHECK_INT(dockerfile_stage(df, "two"), 1);
	CHECK_INT(dockerfile_stage(df, "2"), 2);
	CHECK_INT(dockerfile_stage(df, "0"), 0);
	CHECK_INT(dockerfile_stage(df, "3"), -1);
	CHECK_INT(dockerfile_stage(df, "-1"), -1);
	CHECK_INT(dockerfile_stage(df, "1x"), -1);
	CHECK_INT(dockerfile_stage(df, "nope"), -1);
	CHECK_INT(dockerfile_stage(df, ""), -1);
	CHECK_INT(df->escape, '\\');
	CHECK(df->syntax == NULL);
	dockerfile_free(df);
}

TEST(dockerfile_stage_errors)
{
	CHECK_PARSE("FROM a AS x\nFROM b AS X\n",
		    "error: Dockerfile:2: duplicate stage name \"x\" (stage 0, line 1, has it)");
	CHECK_PARSE("RUN echo\nFROM a\n",
		    "error: Dockerfile:1: no FROM instruction before RUN (no build stage in "
		    "current context)");
	CHECK_PARSE("ARG A\n\nENV a=b\nFROM a\n",
		    "error: Dockerfile:3: no FROM instruction before ENV (no build stage in "
		    "current context)");
	CHECK_PARSE("ARG A\n",
		    "error: Dockerfile: no FROM instruction: the Dockerfile contains no stages "
		    "to build");
	CHECK_PARSE("", "error: Dockerfile: file with no instructions");
	CHECK_PARSE("# only a comment\n\n  \n", "error: Dockerfile: file with no instructions");
}

TEST(dockerfile_unknown_instruction)
{
	CHECK_PARSE("FROM a\n\n# c\nFORM b\n", "error: Dockerfile:4: unknown instruction: FORM");
	CHECK_PARSE("FROM a\nRUN a \\\n  b\nbogus\n",
		    "error: Dockerfile:4: unknown instruction: bogus");
}

TEST(dockerfile_run_cmd_entrypoint)
{
	CHECK_PARSE("FROM a\nRUN echo hi && ls\nCMD [\"sh\", \"-c\", \"echo $HOME\"]\n"
		    "ENTRYPOINT top -b\n",
		    "1 FROM <a>\n2 RUN <echo hi && ls>\n3 CMD json <sh> <-c> <echo $HOME>\n"
		    "4 ENTRYPOINT <top -b>\n");
	/* not valid JSON: the shell form, as written */
	CHECK_PARSE("FROM a\nCMD [\"a\", 'b']\nRUN [ \"x\"\n",
		    "1 FROM <a>\n2 CMD <[\"a\", 'b']>\n3 RUN <[ \"x\">\n");
	CHECK_PARSE("FROM a\nCMD []\nENTRYPOINT\nCMD\n",
		    "1 FROM <a>\n2 CMD json\n3 ENTRYPOINT\n4 CMD\n");
	CHECK_PARSE("FROM a\nCMD [\"a\", 1]\n",
		    "error: Dockerfile:2: when using JSON array syntax, arrays must be comprised "
		    "of strings only");
	CHECK_PARSE("FROM a\nRUN\n", "error: Dockerfile:2: RUN requires at least one argument");
	CHECK_PARSE("FROM a\nRUN [\"a\\u00e9\", \"\\\"q\\\"\"]  \n",
		    "1 FROM <a>\n2 RUN json <a\xc3\xa9> <\"q\">\n");
}

TEST(dockerfile_run_flags)
{
	CHECK_PARSE("FROM a\nRUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t "
		    "--network=none echo\n",
		    "1 FROM <a>\n2 RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t "
		    "--network=none <echo>\n");
	CHECK_PARSE("FROM a\nRUN --security=insecure [\"x\"]\n",
		    "1 FROM <a>\n2 RUN --security=insecure json <x>\n");
	CHECK_PARSE("FROM a\nRUN --network=none --network=host x\n",
		    "error: Dockerfile:2: duplicate flag specified: --network");
	CHECK_PARSE("FROM a\nRUN --network=bridge x\n",
		    "error: Dockerfile:2: unsupported network mode \"bridge\" (RUN --network takes "
		    "default, none or host)");
	CHECK_PARSE("FROM a\nRUN --mount x\n",
		    "error: Dockerfile:2: missing a value on flag: --mount");
	CHECK_PARSE("FROM a\nRUN --frm=x x\n",
		    "error: Dockerfile:2: unknown flag: --frm (RUN takes --mount --network "
		    "--security)");
	/* quotes in flags go; -- ends them */
	CHECK_PARSE("FROM a\nRUN --mount=\"type=bind,target=/a b\" -- --x\n",
		    "1 FROM <a>\n2 RUN --mount=type=bind,target=/a b <--x>\n");
}

TEST(dockerfile_copy_add)
{
	CHECK_PARSE("FROM a\nCOPY a b /dst/\nADD [\"a b\", \"/c d\"]\n",
		    "1 FROM <a>\n2 COPY <a> <b> </dst/>\n3 ADD json <a b> </c d>\n");
	CHECK_PARSE("FROM a\nCOPY --from=build --chown=1:2 --chmod=0755 --link x /y\n",
		    "1 FROM <a>\n2 COPY --from=build --chown=1:2 --chmod=0755 --link <x> </y>\n");
	CHECK_PARSE("FROM a\nCOPY --link=false --parents=true x /y\n",
		    "1 FROM <a>\n2 COPY --parents <x> </y>\n");
	CHECK_PARSE("FROM a\nADD --checksum=sha256:00 --keep-git-dir http://h/x /y\n",
		    "1 FROM <a>\n2 ADD --checksum=sha256:00 --keep-git-dir <http://h/x> </y>\n");
	CHECK_PARSE("FROM a\nCOPY --from=x --from=y a b\n",
		    "error: Dockerfile:2: duplicate flag specified: --from");
	CHECK_PARSE("FROM a\nCOPY --link=maybe a b\n",
		    "error: Dockerfile:2: expecting boolean value for flag --link, not: maybe");
	CHECK_PARSE("FROM a\nADD --from=x a b\n",
		    "error: Dockerfile:2: unknown flag: --from (ADD takes --chown --chmod --link "
		    "--keep-git-dir --checksum --exclude)");
	CHECK_PARSE("FROM a\nCOPY onlyone\n",
		    "error: Dockerfile:2: COPY requires at least two arguments, but only one was "
		    "provided; the destination could not be determined");
	CHECK_PARSE("FROM a\nADD\n",
		    "error: Dockerfile:2: ADD requires at least two arguments, but only none were "
		    "provided; the destination could not be determined");
	CHECK_PARSE("FROM a\nCOPY [\"x\"]\n",
		    "error: Dockerfile:2: COPY requires at least two arguments, but only one was "
		    "provided; the destination could not be determined");
}

TEST(dockerfile_env_label_arg)
{
	CHECK_PARSE("FROM a\nENV a=1 b=$a c=\"x y\" d='$z' e=a\\ b\n",
		    "1 FROM <a>\n2 ENV {a=1} {b=$a} {c=\"x y\"} {d='$z'} {e=a\\ b}\n");
	CHECK_PARSE("FROM a\nENV PATH /usr/bin:$PATH  more words \n",
		    "1 FROM <a>\n2 ENV {PATH=/usr/bin:$PATH  more words}\n");
	CHECK_PARSE("FROM a\nLABEL \"com.x.y\"=\"a b\" v=1\n",
		    "1 FROM <a>\n2 LABEL {\"com.x.y\"=\"a b\"} {v=1}\n");
	CHECK_PARSE("ARG A B=2 C=\"x y\"\nFROM a\nARG D=\n",
		    "1 ARG {A} {B=2} {C=\"x y\"}\n2 FROM <a>\n3 ARG {D=}\n");
	CHECK_PARSE("FROM a\nENV x=\n", "1 FROM <a>\n2 ENV {x=}\n");
	CHECK_PARSE("FROM a\nENV\n", "error: Dockerfile:2: ENV requires at least one argument");
	CHECK_PARSE("FROM a\nLABEL\n", "error: Dockerfile:2: LABEL requires at least one argument");
	CHECK_PARSE("FROM a\nARG\n", "error: Dockerfile:2: ARG requires at least one argument");
	CHECK_PARSE("FROM a\nENV onlyname\n", "error: Dockerfile:2: ENV must have two arguments");
	CHECK_PARSE("FROM a\nENV a=1 b\n",
		    "error: Dockerfile:2: syntax error - can't find = in \"b\"; must be of the "
		    "form: name=value");
	CHECK_PARSE("FROM a\nENV =1\n", "error: Dockerfile:2: ENV names can not be blank");
	CHECK_PARSE("FROM a\nARG =1\n", "error: Dockerfile:2: ARG names can not be blank");
	CHECK_PARSE("FROM a\nENV --x=1 a=b\n",
		    "error: Dockerfile:2: unknown flag: --x (ENV takes no flags)");
}

TEST(dockerfile_single_string_instrs)
{
	CHECK_PARSE("FROM a\nWORKDIR /a b\nUSER 1000:1000\nSTOPSIGNAL SIGKILL\n"
		    "MAINTAINER Jo <jo@x>\n",
		    "1 FROM <a>\n2 WORKDIR </a b>\n3 USER <1000:1000>\n4 STOPSIGNAL <SIGKILL>\n"
		    "5 MAINTAINER <Jo <jo@x>>\n");
	CHECK_PARSE("FROM a\nWORKDIR\n",
		    "error: Dockerfile:2: WORKDIR requires exactly one argument");
	CHECK_PARSE("FROM a\nUSER  \n", "error: Dockerfile:2: USER requires exactly one argument");
}

TEST(dockerfile_expose_volume)
{
	CHECK_PARSE("FROM a\nEXPOSE 80/tcp  443 $P\nVOLUME /a /b\nVOLUME [\"/c\", \"/d e\"]\n",
		    "1 FROM <a>\n2 EXPOSE <80/tcp> <443> <$P>\n3 VOLUME </a> </b>\n"
		    "4 VOLUME json </c> </d e>\n");
	CHECK_PARSE("FROM a\nEXPOSE\n",
		    "error: Dockerfile:2: EXPOSE requires at least one argument");
	CHECK_PARSE("FROM a\nVOLUME [\"/a\", \" \"]\n",
		    "error: Dockerfile:2: VOLUME specified can not be an empty string");
	CHECK_PARSE("FROM a\nVOLUME []\n",
		    "error: Dockerfile:2: VOLUME requires at least one argument");
}

TEST(dockerfile_continuations_and_comments)
{
	/* joined without the newline; comment and empty lines inside skipped */
	CHECK_PARSE("FROM a\nRUN echo a \\\n    && echo b \\  \n# inner comment\n\n"
		    "  \\\n    && echo c\nRUN x\n",
		    "1 FROM <a>\n2 RUN <echo a     && echo b       && echo c>\n8 RUN <x>\n");
	/* # inside a line is not a comment; indented comments are */
	CHECK_PARSE("FROM a\nRUN echo #not a comment\n   # a comment\n\tRUN y\n",
		    "1 FROM <a>\n2 RUN <echo #not a comment>\n4 RUN <y>\n");
	/* a continuation at the end of the text */
	CHECK_PARSE("FROM a\nRUN x \\", "1 FROM <a>\n2 RUN <x>\n");
	/* CRLF line ends */
	CHECK_PARSE("FROM a\r\nRUN a \\\r\n b\r\n", "1 FROM <a>\n2 RUN <a  b>\n");
	/* an escaped backslash at the end still continues (as docker) */
	CHECK_PARSE("FROM a\nRUN a\\\\\nb\n", "1 FROM <a>\n2 RUN <a\\b>\n");
	/* a byte order mark */
	CHECK_PARSE("\xef\xbb\xbf"
		    "FROM a\n",
		    "1 FROM <a>\n");
	/* original: continuations joined, trimmed */
	{
		const char *t = "  FROM a  \nRUN a \\\n b\n";
		struct dockerfile *df = NULL;
		cleanup_err struct err *e = NULL;

		CHECK_INT(dockerfile_parse(t, strlen(t), "Dockerfile", &df, &e), 0);
		CHECK_STR(df->instrs[0].original, "FROM a");
		CHECK_STR(df->instrs[1].original, "RUN a  b");
		dockerfile_free(df);
	}
}

TEST(dockerfile_nul_refused)
{
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;

	CHECK_INT(dockerfile_parse("FROM a\nRUN a\0b\n", 13, "Dockerfile", &df, &e), -1);
	CHECK_ERR(e, "Dockerfile:2: a NUL byte");
}
