/* SPDX-License-Identifier: MIT */
/* The parsers of Kiln's own endpoints: Range headers of asset routes, time filters of the log
 * API, MIME types by extension. (The endpoints themselves: tests/e2e/cases/01xx and
 * tests/e2e/store_e2e.py.) */
#include "api/api_admin.h"
#include "harness.h"

static enum api_range range(const char *h, size_t size, size_t *from, size_t *to)
{
    *from = 9999;
    *to = 9999;
    return api_range_parse(str_from_cstr(h), size, from, to);
}

TEST(api_range_forms)
{
    size_t f = 0;
    size_t t = 0;
    ASSERT_EQ_INT(range("bytes=0-4", 10, &f, &t), API_RANGE_OK);
    ASSERT_EQ_SIZE(f, 0);
    ASSERT_EQ_SIZE(t, 4);
    ASSERT_EQ_INT(range("bytes=5-", 10, &f, &t), API_RANGE_OK);
    ASSERT_EQ_SIZE(f, 5);
    ASSERT_EQ_SIZE(t, 9);
    ASSERT_EQ_INT(range("bytes=-3", 10, &f, &t), API_RANGE_OK);
    ASSERT_EQ_SIZE(f, 7);
    ASSERT_EQ_SIZE(t, 9);
    ASSERT_EQ_INT(range("bytes=-30", 10, &f, &t), API_RANGE_OK); /* longer suffix: all */
    ASSERT_EQ_SIZE(f, 0);
    ASSERT_EQ_INT(range("bytes=8-100", 10, &f, &t), API_RANGE_OK); /* clamped */
    ASSERT_EQ_SIZE(t, 9);
    ASSERT_EQ_INT(range(" bytes= 2 - 3 ", 10, &f, &t), API_RANGE_OK);
    ASSERT_EQ_SIZE(f, 2);
    ASSERT_EQ_SIZE(t, 3);
}

TEST(api_range_unsatisfiable_and_ignored)
{
    size_t f = 0;
    size_t t = 0;
    ASSERT_EQ_INT(range("bytes=10-", 10, &f, &t), API_RANGE_UNSATISFIABLE);
    ASSERT_EQ_INT(range("bytes=0-0", 0, &f, &t), API_RANGE_UNSATISFIABLE);
    ASSERT_EQ_INT(range("bytes=-0", 10, &f, &t), API_RANGE_UNSATISFIABLE);
    ASSERT_EQ_INT(range("bytes=5-1", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("bytes=0-1,3-4", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("lines=0-1", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("bytes=-", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("bytes=a-b", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("bytes=1", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("bytes=1234567890123456789012-", 10, &f, &t), API_RANGE_IGNORE);
    ASSERT_EQ_INT(range("", 10, &f, &t), API_RANGE_IGNORE);
}

TEST(api_parse_time_forms)
{
    int64_t ms = 0;
    ASSERT_TRUE(api_parse_time_ms(STR("2026-01-05T09:00:00Z"), &ms));
    ASSERT_EQ_INT(ms, 1767603600000LL);
    ASSERT_TRUE(api_parse_time_ms(STR("2026-01-05T09:00:00.5Z"), &ms));
    ASSERT_EQ_INT(ms, 1767603600500LL);
    ASSERT_TRUE(api_parse_time_ms(STR("2026-01-05T09:00:00.123Z"), &ms));
    ASSERT_EQ_INT(ms, 1767603600123LL);
    ASSERT_TRUE(api_parse_time_ms(STR("1767603600000"), &ms));
    ASSERT_EQ_INT(ms, 1767603600000LL);
    ASSERT_FALSE(api_parse_time_ms(STR(""), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("yesterday"), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("2026-01-05T09:00:00"), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("2026-13-05T09:00:00Z"), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("2026-01-05T24:00:00Z"), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("2026-01-05T09:00:00.1234Z"), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("2026-01-05T09:00:00.Z"), &ms));
    ASSERT_FALSE(api_parse_time_ms(STR("12345678901234567"), &ms)); /* 17 digits */
    ASSERT_FALSE(api_parse_time_ms(STR("2026-01-05 09:00:00Z"), &ms));
}

TEST(api_mime_types)
{
    ASSERT_EQ_SLICE(api_mime_type(STR("a/b/index.HTML")), "text/html");
    ASSERT_EQ_SLICE(api_mime_type(STR("app.css")), "text/css");
    ASSERT_EQ_SLICE(api_mime_type(STR("x.png")), "image/png");
    ASSERT_EQ_SLICE(api_mime_type(STR("noext")), "application/octet-stream");
    ASSERT_EQ_SLICE(api_mime_type(STR(".js")), "application/octet-stream");
}

TEST(api_loopback_addresses)
{
    ASSERT_TRUE(api_is_loopback(STR("127.0.0.1")));
    ASSERT_TRUE(api_is_loopback(STR("127.9.8.7")));
    ASSERT_TRUE(api_is_loopback(STR("::1")));
    ASSERT_TRUE(api_is_loopback(STR("::ffff:127.0.0.1")));
    ASSERT_FALSE(api_is_loopback(STR("10.0.0.1")));
    ASSERT_FALSE(api_is_loopback(STR("::ffff:10.0.0.1")));
    ASSERT_FALSE(api_is_loopback(STR("1270.0.0.1")));
    ASSERT_FALSE(api_is_loopback(STR("::2")));
    ASSERT_FALSE(api_is_loopback(STR("")));
}
