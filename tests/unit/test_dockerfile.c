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
		    "error: Dockerfile:1: unknown flag: --platorm (did you mean --platform?)");
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
	CHECK_PARSE("FROM a\n\n# c\nFORM b\n",
		    "error: Dockerfile:4: unknown instruction: FORM (did you mean FROM?)");
	CHECK_PARSE("FROM a\nrnu b\n",
		    "error: Dockerfile:2: unknown instruction: rnu (did you mean run?)");
	CHECK_PARSE("FROM a\nWorkDri b\n",
		    "error: Dockerfile:2: unknown instruction: WorkDri (did you mean WORKDIR?)");
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
	/* a raw control character in a JSON string: not JSON, as docker's decoder has it */
	CHECK_PARSE("FROM a\nCMD [\"a\tb\"]\nCMD [\"a\", \"b\",]\n",
		    "1 FROM <a>\n2 CMD <[\"a\tb\"]>\n3 CMD <[\"a\", \"b\",]>\n");
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
		    "error: Dockerfile:2: invalid network mode \"bridge\" (RUN --network takes "
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
	CHECK_PARSE(
	    "FROM a\nADD --checksum=sha256:00 --keep-git-dir http://h/x /y\n",
	    "1 FROM <a>\n2 ADD --checksum=sha256:00 --keep-git-dir=true <http://h/x> </y>\n");
	CHECK_PARSE("FROM a\nADD --unpack=false --link=false x.tar /y\n",
		    "1 FROM <a>\n2 ADD --unpack=false <x.tar> </y>\n");
	CHECK_PARSE("FROM a\nCOPY --from=x --from=y a b\n",
		    "error: Dockerfile:2: duplicate flag specified: --from");
	CHECK_PARSE("FROM a\nCOPY --link=maybe a b\n",
		    "error: Dockerfile:2: expecting boolean value for flag --link, not: maybe");
	CHECK_PARSE("FROM a\nADD --from=x a b\n",
		    "error: Dockerfile:2: unknown flag: --from (ADD takes --chown --chmod --link "
		    "--keep-git-dir --checksum --unpack --exclude)");
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
	/* an escaped escape character at the end does not continue */
	CHECK_PARSE("FROM a\nRUN a\\\\\nRUN b\n", "1 FROM <a>\n2 RUN <a\\\\>\n3 RUN <b>\n");
	CHECK_PARSE("FROM a\nRUN a \\\n\\\nb\n", "1 FROM <a>\n2 RUN <a b>\n");
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

TEST(dockerfile_directives)
{
	const char *t = "# syntax=docker/dockerfile:1\n#ESCAPE = `\nFROM a\nRUN a \\b `\n c\n";
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;

	CHECK_INT(dockerfile_parse(t, strlen(t), "Dockerfile", &df, &e), 0);
	CHECK_INT(df->escape, '`');
	CHECK_STR(df->syntax, "docker/dockerfile:1");
	CHECK_INT(df->ninstrs, 2);
	CHECK_STR(df->instrs[1].args[0], "a \\b  c");
	dockerfile_free(df);

	/* after a comment, an empty line or an instruction: only a comment */
	CHECK_PARSE("# hello\n# escape=`\nFROM a\nRUN a \\\n b\n", "3 FROM <a>\n4 RUN <a  b>\n");
	CHECK_PARSE("\n# escape=`\nFROM a\nRUN a \\\n b\n", "3 FROM <a>\n4 RUN <a  b>\n");
	CHECK_PARSE("FROM a\n# escape=`\nRUN a \\\n b\n", "1 FROM <a>\n3 RUN <a  b>\n");
	/* an unknown directive ends them too */
	CHECK_PARSE("# foo=bar\n# escape=`\nFROM a\nRUN a \\\n b\n", "3 FROM <a>\n4 RUN <a  b>\n");
	/* leading blanks before the # are allowed */
	CHECK_PARSE("  #  escape  =  `  \nFROM a\nRUN a `\n b\n", "2 FROM <a>\n3 RUN <a  b>\n");
	CHECK_PARSE("# escape=x\nFROM a\n",
		    "error: Dockerfile:1: invalid escape token 'x' does not match ` or \\");
	CHECK_PARSE("# escape=`\n# escape=\\\nFROM a\n",
		    "error: Dockerfile:2: only one escape parser directive can be used");
	CHECK_PARSE("# syntax=a\n# syntax=b\nFROM a\n",
		    "error: Dockerfile:2: only one syntax parser directive can be used");
}

TEST(dockerfile_heredocs)
{
	CHECK_PARSE("FROM a\nRUN <<EOF\necho $HOME\n  EOF\nEOF\nRUN x\n",
		    "1 FROM <a>\n2 RUN <<<EOF> <<EOF:echo $HOME\n  EOF\n\n6 RUN <x>\n");
	/* <<- strips the body's and the delimiter's leading tabs */
	CHECK_PARSE("FROM a\nRUN <<-EOF\n\techo a\n\t\techo b\n\tEOF\n",
		    "1 FROM <a>\n2 RUN <<<-EOF> <<-EOF:echo a\necho b\n\n");
	/* quoted delimiters: no expansion */
	CHECK_PARSE(
	    "FROM a\nRUN <<'EOF' cat\n$X\nEOF\nRUN <<\"E F\" cat\nb\nE F\n",
	    "1 FROM <a>\n2 RUN <<<'EOF' cat> <<'EOF:$X\n\n5 RUN <<<\"E F\" cat> <<'E F:b\n\n");
	/* several on one line, each body in turn */
	CHECK_PARSE("FROM a\nRUN <<A cat - /dev/fd/3 3<<B\none\nA\ntwo\nB\n",
		    "1 FROM <a>\n2 RUN <<<A cat - /dev/fd/3 3<<B> <<A:one\n <<B:two\n\n");
	/* COPY and ADD take them as sources */
	CHECK_PARSE(
	    "FROM a\nCOPY <<EOF /dest\nhello\nEOF\nCOPY --chmod=755 <<one <<two /d/\n1\none\n2\n"
	    "two\n",
	    "1 FROM <a>\n2 COPY <<<EOF> </dest> <<EOF:hello\n\n5 COPY --chmod=755 <<<one> "
	    "<<<two> </d/> <<one:1\n <<two:2\n\n");
	/* CRLF bodies stay as written; the delimiter may end in \r */
	CHECK_PARSE("FROM a\r\nRUN <<EOF\r\na\r\nEOF\r\nRUN b\r\n",
		    "1 FROM <a>\n2 RUN <<<EOF> <<EOF:a\r\n\n5 RUN <b>\n");
	/* blanks after <<, quotes and escapes in the delimiter, an unset $ */
	CHECK_PARSE("FROM a\nRUN <<  EOF  > foo\na\nEOF\nRUN <<eo\\'f\nb\neo'f\n"
		    "RUN <<'e'o\\'f\nc\neo'f\nRUN <<'one two'\nd\none two\nRUN <<$EOF\n$EOF\n",
		    "1 FROM <a>\n2 RUN <<<  EOF  > foo> <<EOF:a\n\n5 RUN <<<eo\\'f> <<eo'f:b\n\n"
		    "8 RUN <<<'e'o\\'f> <<'eo'f:c\n\n11 RUN <<<'one two'> <<'one two:d\n\n"
		    "14 RUN <<<$EOF> <<$EOF:\n");
	/* not heredocs: quoted, JSON form, other instructions, a bare << */
	CHECK_PARSE(
	    "FROM a\nRUN echo \"<<EOF\"\nRUN [\"<<EOF\"]\nENV a=<<EOF\nRUN echo a <<< b\nRUN c\n",
	    "1 FROM <a>\n2 RUN <echo \"<<EOF\">\n3 RUN json <<<EOF>\n4 ENV {a=<<EOF}\n"
	    "5 RUN <echo a <<< b>\n6 RUN <c>\n");
	/* as docker, "<< b" opens a heredoc too */
	CHECK_PARSE("FROM a\nRUN cat << b\nx\nb\n", "1 FROM <a>\n2 RUN <cat << b> <<b:x\n\n");
}

TEST(dockerfile_heredoc_errors)
{
	CHECK_PARSE("FROM a\nRUN <<EOF\necho\n",
		    "error: Dockerfile:2: unterminated heredoc <<EOF (no line \"EOF\" ends it)");
	CHECK_PARSE("FROM a\nRUN <<A <<B\na\nA\nb\n",
		    "error: Dockerfile:2: unterminated heredoc <<B (no line \"B\" ends it)");
	CHECK_PARSE("FROM a\nCOPY x <<EOF\nb\nEOF\n",
		    "error: Dockerfile:2: COPY cannot accept a heredoc as a destination");
}

TEST(dockerfile_heredoc_lookup)
{
	const char *t = "FROM a\nCOPY <<-'one' <<two /d/\n\t1\none\n2\ntwo\n";
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;
	const struct df_heredoc *h;

	CHECK_INT(dockerfile_parse(t, strlen(t), "Dockerfile", &df, &e), 0);
	h = df_instr_heredoc(&df->instrs[1], df->instrs[1].args[0]);
	CHECK(h != NULL);
	CHECK_STR(h->name, "one");
	CHECK_STR(h->content, "1\n");
	CHECK(h->chomp && !h->expand);
	h = df_instr_heredoc(&df->instrs[1], "<<two");
	CHECK(h != NULL);
	CHECK(!h->chomp && h->expand);
	CHECK(df_instr_heredoc(&df->instrs[1], "/d/") == NULL);
	CHECK(df_instr_heredoc(&df->instrs[1], "<<three") == NULL);
	dockerfile_free(df);
}

TEST(dockerfile_healthcheck)
{
	const char *t = "FROM a\nHEALTHCHECK --interval=1m30s --timeout=1.5s --start-period=0 "
			"--start-interval=250ms --retries=3 CMD [\"curl\", \"-f\", \"x\"]\n"
			"HEALTHCHECK NONE\nHEALTHCHECK cmd curl -f x || exit 1\n";
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;
	const struct df_health *h;

	CHECK_INT(dockerfile_parse(t, strlen(t), "Dockerfile", &df, &e), 0);
	h = df->instrs[1].health;
	CHECK(h != NULL && !h->none);
	CHECK_INT(h->interval_ns, 90000000000LL);
	CHECK_INT(h->timeout_ns, 1500000000LL);
	CHECK_INT(h->start_period_ns, 0);
	CHECK_INT(h->start_interval_ns, 250000000LL);
	CHECK_INT(h->retries, 3);
	CHECK(df->instrs[1].json);
	CHECK_INT(df->instrs[1].nargs, 3);
	CHECK_STR(df->instrs[1].args[0], "curl");
	CHECK(df->instrs[2].health->none);
	CHECK_INT(df->instrs[2].nargs, 1);
	CHECK_STR(df->instrs[2].args[0], "NONE");
	CHECK(!df->instrs[3].json);
	CHECK_STR(df->instrs[3].args[0], "curl -f x || exit 1");
	CHECK_INT(df->instrs[3].health->interval_ns, 0);
	dockerfile_free(df);

	CHECK_PARSE("FROM a\nHEALTHCHECK\n",
		    "error: Dockerfile:2: HEALTHCHECK requires at least one argument");
	CHECK_PARSE("FROM a\nHEALTHCHECK NONE x\n",
		    "error: Dockerfile:2: HEALTHCHECK NONE takes no arguments");
	CHECK_PARSE("FROM a\nHEALTHCHECK CMD\n",
		    "error: Dockerfile:2: missing command after HEALTHCHECK CMD");
	CHECK_PARSE("FROM a\nHEALTHCHECK RUN x\n",
		    "error: Dockerfile:2: unknown type \"RUN\" in HEALTHCHECK (try CMD)");
	CHECK_PARSE("FROM a\nHEALTHCHECK --interval=5 CMD x\n",
		    "error: Dockerfile:2: time: invalid duration \"5\" for --interval");
	CHECK_PARSE("FROM a\nHEALTHCHECK --timeout=10us CMD x\n",
		    "error: Dockerfile:2: Interval \"timeout\" cannot be less than 1ms");
	CHECK_PARSE("FROM a\nHEALTHCHECK --retries=-1 CMD x\n",
		    "error: Dockerfile:2: --retries cannot be negative (-1)");
	CHECK_PARSE("FROM a\nHEALTHCHECK --retries=x CMD x\n",
		    "error: Dockerfile:2: invalid --retries value \"x\": not an integer");
	CHECK_PARSE("FROM a\nHEALTHCHECK --retrie=1 CMD x\n",
		    "error: Dockerfile:2: unknown flag: --retrie (did you mean --retries?)");
	CHECK_PARSE("FROM a\nHEALTHCHECK --x=1 CMD x\n",
		    "error: Dockerfile:2: unknown flag: --x (HEALTHCHECK takes --interval "
		    "--timeout --start-period --start-interval --retries)");
}

TEST(dockerfile_onbuild)
{
	CHECK_PARSE("FROM a\nONBUILD RUN --network=none echo hi\nonbuild copy . /app\n",
		    "1 FROM <a>\n2 ONBUILD <RUN --network=none echo hi> [RUN --network=none "
		    "<echo hi>]\n3 ONBUILD <copy . /app> [COPY <.> </app>]\n");
	/* the trigger keeps its heredocs, as the image's config stores it */
	CHECK_PARSE(
	    "FROM a\nONBUILD RUN <<EOF\necho a\nEOF\n",
	    "1 FROM <a>\n2 ONBUILD <RUN <<EOF\necho a\nEOF> [RUN <<<EOF> <<EOF:echo a\n]\n");
	CHECK_PARSE("FROM a\nONBUILD\n",
		    "error: Dockerfile:2: ONBUILD requires at least one argument");
	CHECK_PARSE("FROM a\nONBUILD ONBUILD RUN x\n",
		    "error: Dockerfile:2: chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
	CHECK_PARSE("FROM a\nONBUILD from b\n",
		    "error: Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
	CHECK_PARSE("FROM a\nONBUILD MAINTAINER me\n",
		    "error: Dockerfile:2: MAINTAINER isn't allowed as an ONBUILD trigger");
	CHECK_PARSE("FROM a\nONBUILD FOO x\n",
		    "error: Dockerfile:2: unknown instruction: FOO (did you mean FROM?)");
	CHECK_PARSE("FROM a\nONBUILD COPY --form=x a b\n",
		    "error: Dockerfile:2: unknown flag: --form (did you mean --from?)");
	CHECK_PARSE("FROM a\nONBUILD COPY --FROM=x a b\n",
		    "error: Dockerfile:2: unknown flag: --FROM (did you mean --from?)");
}

TEST(dockerfile_shell_stopsignal)
{
	CHECK_PARSE("FROM a\nSHELL [\"/bin/bash\", \"-c\"]\nSTOPSIGNAL 9\n",
		    "1 FROM <a>\n2 SHELL json </bin/bash> <-c>\n3 STOPSIGNAL <9>\n");
	CHECK_PARSE("FROM a\nSHELL /bin/bash -c\n",
		    "error: Dockerfile:2: SHELL requires the arguments to be in JSON form: SHELL "
		    "[\"executable\", \"parameters\"]");
	CHECK_PARSE("FROM a\nSHELL []\n",
		    "error: Dockerfile:2: SHELL requires at least one argument");
	CHECK_PARSE("FROM a\nSTOPSIGNAL\n",
		    "error: Dockerfile:2: STOPSIGNAL requires exactly one argument");
}

static char *mount(const char *spec)
{
	static const char *const vars[] = {"D=/cache", "T=tmpfs", NULL};
	cleanup_err struct err *e = NULL;
	struct df_mount m;
	char *out;

	if (df_mount_parse(spec, vars, '\\', &m, &e) < 0)
		return xasprintf("error: %s", e->msg);
	out =
	    xasprintf("%s from=%s src=%s dst=%s id=%s ro=%d req=%d size=%lld sharing=%d "
		      "mode=%s%o uid=%s%u gid=%s%u env=%s",
		      df_mount_type_name(m.type), m.from ? m.from : "-", m.source ? m.source : "-",
		      m.target ? m.target : "-", m.id ? m.id : "-", m.readonly, m.required, m.size,
		      (int)m.sharing, m.has_mode ? "" : "!", m.mode, m.has_uid ? "" : "!", m.uid,
		      m.has_gid ? "" : "!", m.gid, m.env ? m.env : "-");
	df_mount_release(&m);
	return out;
}

#define CHECK_MOUNT(spec, want)                                                                    \
	do {                                                                                       \
		cleanup_free char *got_ = mount(spec);                                             \
		CHECK_STR(got_, want);                                                             \
	} while (0)

TEST(dockerfile_run_mount)
{
	CHECK_MOUNT("target=/src",
		    "bind from=- src=- dst=/src id=- ro=1 req=0 size=0 sharing=0 mode=!0 uid=!0 "
		    "gid=!0 env=-");
	CHECK_MOUNT("type=cache,target=$D,sharing=locked,id=x,mode=0755,uid=1,gid=2",
		    "cache from=- src=- dst=/cache id=x ro=0 req=0 size=0 sharing=3 mode=755 uid=1 "
		    "gid=2 env=-");
	CHECK_MOUNT("type=$T,dst=/t,size=64m",
		    "tmpfs from=- src=- dst=/t id=- ro=0 req=0 size=67108864 sharing=0 mode=!0 "
		    "uid=!0 gid=!0 env=-");
	CHECK_MOUNT("type=bind,from=build,source=/out,target=/in,rw",
		    "bind from=build src=/out dst=/in id=- ro=0 req=0 size=0 sharing=0 mode=!0 "
		    "uid=!0 gid=!0 env=-");
	CHECK_MOUNT("\"type=secret\",id=tok,env=TOKEN,required",
		    "secret from=- src=- dst=- id=tok ro=1 req=1 size=0 sharing=0 mode=!0 uid=!0 "
		    "gid=!0 env=TOKEN");
	CHECK_MOUNT("type=nfs", "error: unsupported mount type \"nfs\" (--mount type= takes bind, "
				"cache, tmpfs, secret or ssh)");
	CHECK_MOUNT("target=/a,bogus=1", "error: unexpected key 'bogus' in 'bogus=1'");
	CHECK_MOUNT("target=/a,x", "error: invalid field 'x' must be a key=value pair");
	CHECK_MOUNT("target=/a,required", "error: unexpected key 'required' for mount type 'bind'");
	CHECK_MOUNT("type=bind,target=/a,mode=0644",
		    "error: mode not allowed for \"bind\" type mounts");
	CHECK_MOUNT("type=cache,target=/a,mode=9", "error: invalid value 9 for mode");
	CHECK_MOUNT("type=tmpfs,target=/a,size=lots", "error: invalid value for size: lots");
	CHECK_MOUNT("type=bind,target=/a,sharing=locked",
		    "error: invalid cache sharing set for bind mount");
	CHECK_MOUNT("type=cache,target=/a,sharing=all",
		    "error: unsupported sharing value \"all\" (sharing= takes shared, private or "
		    "locked)");
	CHECK_MOUNT("type=secret", "error: invalid secret mount. one of source, target required");
	CHECK_MOUNT("target=/a,ro=maybe", "error: invalid value for ro: maybe");
	CHECK_MOUNT("target=\"/a",
		    "error: failed to parse csv mounts: bare \" in non-quoted-field");
	CHECK_MOUNT("\"target=/a", "error: failed to parse csv mounts: extraneous or missing \" "
				   "in quoted-field");
	CHECK_MOUNT("\"target=/a\"x", "error: failed to parse csv mounts: extraneous or missing \" "
				      "in quoted-field");
	CHECK_MOUNT("target=${D", "error: failed to process \"${D\": syntax error: missing '}'");
	/* checked when the Dockerfile is parsed: the CSV, and from= without $ */
	CHECK_PARSE("FROM a\nRUN --mount=type=bind,from=$X,target=/a true\n",
		    "error: Dockerfile:2: --mount=type=bind,from=$X,target=/a: 'from' doesn't "
		    "support variable expansion, define alias stage instead");
	CHECK_PARSE("FROM a\nRUN --mount=\\\"target=/a true\n",
		    "error: Dockerfile:2: --mount=\"target=/a: failed to parse csv mounts: "
		    "extraneous or missing \" in quoted-field");
}

TEST(dockerfile_json_lines)
{
	const char *t = "ARG V=1\nFROM a AS b\nRUN --mount=type=tmpfs,target=/t --mount=target=/x "
			"--network=none <<EOF\nhi\nEOF\nCOPY --link [\"a\", \"b\"]\n"
			"ONBUILD ENV k=v\n";
	struct dockerfile *df = NULL;
	cleanup_err struct err *e = NULL;
	cleanup_free char *j = NULL;

	CHECK_INT(dockerfile_parse(t, strlen(t), "Dockerfile", &df, &e), 0);
	j = dockerfile_to_json(df);
	dockerfile_free(df);
	CHECK_STR(j,
		  "{\"stage\":-1,\"line\":1,\"instruction\":\"ARG\",\"original\":\"ARG V=1\","
		  "\"pairs\":[[\"V\",\"1\"]]}\n"
		  "{\"stage\":0,\"line\":2,\"instruction\":\"FROM\",\"original\":\"FROM a AS b\","
		  "\"args\":[\"a\",\"AS\",\"b\"]}\n"
		  "{\"stage\":0,\"line\":3,\"instruction\":\"RUN\",\"original\":\"RUN "
		  "--mount=type=tmpfs,target=/t --mount=target=/x --network=none <<EOF\","
		  "\"flags\":{\"mount\":[\"type=tmpfs,target=/t\",\"target=/x\"],\"network\":"
		  "\"none\"},\"args\":[\"<<EOF\"],\"heredocs\":[{\"name\":\"EOF\",\"content\":"
		  "\"hi\\n\",\"expand\":true,\"chomp\":false}]}\n"
		  "{\"stage\":0,\"line\":6,\"instruction\":\"COPY\",\"original\":\"COPY --link "
		  "[\\\"a\\\", \\\"b\\\"]\",\"flags\":{\"link\":true},\"json\":true,\"args\":"
		  "[\"a\",\"b\"]}\n"
		  "{\"stage\":0,\"line\":7,\"instruction\":\"ONBUILD\",\"original\":\"ONBUILD ENV "
		  "k=v\",\"args\":[\"ENV k=v\"],\"trigger\":{\"line\":7,\"instruction\":\"ENV\","
		  "\"original\":\"ENV k=v\",\"pairs\":[[\"k\",\"v\"]]}}\n");
}
