/* names.c: generated container names in docker's shape, adjective_surname
 * (lowercase, [a-z_]), with a digit appended on a retry after a clash.
 * The word lists are kist's own: moods and traits, and the surnames of
 * people who shaped computing, mathematics and the sciences. */
#define _GNU_SOURCE
#include <stdint.h>     /* uint32_t */
#include <sys/random.h> /* getrandom */
#include <time.h>       /* clock_gettime */
#include <unistd.h>     /* getpid */

#include "cli/kist.h"
#include "common/util.h"

static const char *const adjectives[] = {
    "agile",   "amiable",  "ardent",  "astute",    "bold",     "brave",    "breezy",  "bright",
    "brisk",   "buoyant",  "calm",    "candid",    "careful",  "cheerful", "civil",   "clever",
    "cosmic",  "curious",  "daring",  "deft",      "diligent", "dreamy",   "eager",   "earnest",
    "elated",  "fearless", "festive", "fond",      "frank",    "gallant",  "gentle",  "giddy",
    "glad",    "graceful", "hardy",   "hearty",    "honest",   "humble",   "jolly",   "jovial",
    "keen",    "kind",     "lively",  "loyal",     "lucid",    "merry",    "mellow",  "modest",
    "nimble",  "noble",    "patient", "plucky",    "polite",   "proud",    "quiet",   "quirky",
    "radiant", "rapid",    "serene",  "sincere",   "snappy",   "spry",     "steady",  "sturdy",
    "sunny",   "swift",    "tender",  "thrifty",   "tidy",     "tranquil", "trusty",  "upbeat",
    "valiant", "vivid",    "wary",    "whimsical", "wise",     "witty",    "zealous", "zesty",
};

static const char *const surnames[] = {
    "abel",       "agnesi",   "aryabhata", "babbage",    "backus",    "bernoulli", "boole",
    "brahe",      "cantor",   "cauchy",    "cerf",       "chebyshev", "church",    "codd",
    "conway",     "cray",     "dedekind",  "dijkstra",   "dirac",     "euclid",    "euler",
    "fermat",     "feynman",  "fibonacci", "fourier",    "galois",    "gauss",     "germain",
    "godel",      "hamming",  "hilbert",   "hopper",     "huffman",   "jacobi",    "kahan",
    "kepler",     "kleene",   "knuth",     "kolmogorov", "lagrange",  "lamport",   "laplace",
    "leibniz",    "liskov",   "lovelace",  "markov",     "maxwell",   "mccarthy",  "minsky",
    "napier",     "naur",     "neumann",   "noether",    "nyquist",   "pascal",    "peano",
    "perlis",     "poincare", "ramanujan", "riemann",    "ritchie",   "rivest",    "shannon",
    "somerville", "stallman", "steele",    "strachey",   "tarjan",    "thompson",  "turing",
    "venn",       "wirth",    "yao",       "zuse",
};

static uint32_t random_u32(void)
{
	uint32_t v;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_nsec ^ ((uint32_t)getpid() << 16);
}

char *names_generate(unsigned retry)
{
	const char *a = adjectives[random_u32() % ARRAY_SIZE(adjectives)];
	const char *s = surnames[random_u32() % ARRAY_SIZE(surnames)];

	if (retry)
		return xasprintf("%s_%s%u", a, s, random_u32() % 10);
	return xasprintf("%s_%s", a, s);
}
