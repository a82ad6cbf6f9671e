/* SPDX-License-Identifier: MIT */
/* Realistic URLs shared by bench/web/url_bench.c and bench/web/bench.js (which reads this
 * file's string literals). */
#pragma once

static const char *const bench_urls[] = {
    "https://www.example.com/",
    "https://api.example.com/v1/users/12345/orders?status=open&limit=50&cursor=eyJpZCI6MTIzfQ",
    "http://localhost:8080/graphql?query=%7Bviewer%7Bid%7D%7D",
    "https://user:secret@db.internal.example.org:5432/app?sslmode=require",
    "https://cdn.example.net/assets/img/logo.v3.png?w=320&h=200&fit=crop&auto=format",
    "https://www.example.com/search?q=kiln+javascript+engine&hl=en&num=20&start=40#results",
    "https://example.com/a/b/../c/./d/e/f/g/h/index.html?x=1",
    "http://192.168.1.10:3000/health",
    "https://[2001:db8::1]:8443/metrics?format=prometheus",
    "https://xn--mnchen-3ya.de/stadtplan?bezirk=altstadt",
    "https://shop.example.com/products/"
    "sku-998877?utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale",
    "file:///var/lib/kiln/data/export-2026-11-24.json",
    "wss://realtime.example.com/socket?token=abc.def.ghi&v=2",
    "https://example.com/%E6%97%A5%E6%9C%AC/%D0%BF%D1%80%D0%B8%D0%BC%D0%B5%D1%80?lang=ja",
    "mailto:support@example.com?subject=Hello%20there",
    "https://auth.example.com/oauth/"
    "authorize?response_type=code&client_id=kiln&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb&"
    "scope=openid%20profile&state=xyz",
};
