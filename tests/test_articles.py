"""Reading articles: formats, metadata, encodings and one clear error per bad file."""

from __future__ import annotations

import codecs

import pytest

from geodata.articles import article_from_text, doc_id_for, parse_date, read_article, read_articles
from geodata.errors import (
    ArticleError,
    ArticleTooLargeError,
    BinaryArticleError,
    EmptyArticleError,
    InvalidQueryError,
    UnreadableArticleError,
)

TEXT = "Curfew declared in Esmeraldas\nPublished: 2026-02-11\nSource: https://example.org/esmeraldas\nBy Demo Desk\n\nThe provincial governor declared a curfew on Tuesday.\n"


def test_read_article_txt_takes_title_date_source_author_from_header_lines(tmp_path):
    path = tmp_path / "brief.txt"
    path.write_text(TEXT, encoding="utf-8")
    article = read_article(path)
    assert article.title == "Curfew declared in Esmeraldas"
    assert article.published == "2026-02-11"
    assert article.source == "https://example.org/esmeraldas"
    assert article.author == "Demo Desk"
    assert article.text.startswith("The provincial governor")
    assert article.doc_id == doc_id_for(article.text)


def test_read_article_markdown_with_combined_metadata_line(tmp_path):
    path = tmp_path / "brief.md"
    path.write_text(
        "# Port strike in Valparaíso\n*Published: 2026-01-20 · Source: https://example.net/v*\n\nDockers walked out.\n",
        encoding="utf-8",
    )
    article = read_article(path)
    assert (article.title, article.published, article.source) == (
        "Port strike in Valparaíso",
        "2026-01-20",
        "https://example.net/v",
    )
    assert article.text == "Dockers walked out."


def test_read_article_html_extracts_main_text_and_metadata(tmp_path):
    path = tmp_path / "brief.html"
    path.write_text(
        """<!doctype html><html><head><title>Drone strike near Gao</title>
        <meta name="date" content="2025-11-03"><link rel="canonical" href="https://example.com/gao"></head>
        <body><nav>Home | World | Subscribe</nav><article><h1>Drone strike near Gao</h1>
        <p>A drone strike hit a convoy near Gao on Sunday, the army said in a statement released late in the evening.</p>
        <p>Residents reported several vehicles burning on the road north of the town.</p></article>
        <footer>Subscribe to our newsletter. Cookie settings.</footer></body></html>""",
        encoding="utf-8",
    )
    article = read_article(path)
    assert article.published == "2025-11-03"
    assert article.source == "https://example.com/gao"
    assert "drone strike hit a convoy near Gao" in article.text
    assert "Cookie" not in article.text


def test_read_article_detects_legacy_encodings(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(
        "Protest in Bogotá and Medellín\n\nThousands marched in Bogotá on Friday against the reform of the pension system, unions said.".encode(
            "latin-1"
        )
    )
    assert "Bogotá" in read_article(path).text


def test_read_article_overrides_publication_date_and_source(tmp_path):
    path = tmp_path / "brief.txt"
    path.write_text(TEXT, encoding="utf-8")
    article = read_article(path, published="2026-03-04", source="https://example.org/other")
    assert (article.published, article.source) == ("2026-03-04", "https://example.org/other")
    with pytest.raises(InvalidQueryError, match="not a date"):
        read_article(path, published="yesterday-ish")


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("empty.txt", b"", EmptyArticleError),
        ("blank.txt", b"   \n\n\t ", EmptyArticleError),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", BinaryArticleError),
        ("nul.md", b"abc\x00def" * 10, BinaryArticleError),
        ("empty.html", b"<html><body><nav>menu</nav></body></html>", EmptyArticleError),
    ],
)
def test_read_article_bad_files_raise_one_clear_error(tmp_path, name, content, error):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error) as info:
        read_article(path)
    assert name in str(info.value)


def test_read_article_too_large_and_missing(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("word " * 1000)
    with pytest.raises(ArticleTooLargeError, match="limit"):
        read_article(big, max_bytes=1000)
    with pytest.raises(UnreadableArticleError, match="missing.txt"):
        read_article(tmp_path / "missing.txt")


def test_read_articles_folder_reports_bad_files_and_goes_on(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT)
    (tmp_path / "b.md").write_bytes(b"")
    (tmp_path / "c.html").write_bytes(b"\x00\x01binary")
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    sub = tmp_path / "more"
    sub.mkdir()
    (sub / "d.txt").write_text("Second brief\n\nFloods hit Piura on Monday.")
    results = list(read_articles([tmp_path]))
    assert len(results) == 4
    assert sum(isinstance(r, ArticleError) for r in results) == 2
    assert {r.title for r in results if not isinstance(r, ArticleError)} == {
        "Curfew declared in Esmeraldas",
        "Second brief",
    }


def test_article_from_text_and_parse_date():
    article = article_from_text("Just a body sentence that ends with a full stop.")
    assert article.title is None and article.text.startswith("Just")
    assert parse_date("4 March 2026") == "2026-03-04"
    assert parse_date("2026-02-30") is None


# ---------------------------------------------------------------------------- encodings
def test_read_article_short_latin1_file_reads_right(tmp_path):
    path = tmp_path / "short.txt"
    path.write_bytes("Nariño".encode("latin-1"))
    article = read_article(path)
    assert article.text == "Nariño"
    assert article.encoding == "cp1252"


def test_read_article_latin1_with_windows_quotes_reads_right(tmp_path):
    path = tmp_path / "quotes.txt"
    path.write_bytes("Protest in Nariño\n\nTroops reached “Nariño” on Monday.".encode("cp1252"))
    article = read_article(path)
    assert (article.title, article.text) == ("Protest in Nariño", "Troops reached “Nariño” on Monday.")


@pytest.mark.parametrize(
    ("codec", "bom", "expected"),
    [
        ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
        ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32"),
        ("utf-8", codecs.BOM_UTF8, "utf-8"),
    ],
)
def test_read_article_accepts_text_with_a_byte_order_mark(tmp_path, codec, bom, expected):
    path = tmp_path / "bom.txt"
    path.write_bytes(bom + "Floods in Nariño\n\nRivers rose in Tumaco on Monday.".encode(codec))
    article = read_article(path)
    assert (article.title, article.text) == ("Floods in Nariño", "Rivers rose in Tumaco on Monday.")
    assert article.encoding == expected


def test_read_article_repairs_mojibake_and_says_so(tmp_path):
    path = tmp_path / "mojibake.txt"
    garbled = "Troops in Nariño and Bogotá — officials said.".encode().decode("cp1252")
    path.write_text("Deployment\n\n" + garbled, encoding="utf-8")
    article = read_article(path)
    assert article.text == "Troops in Nariño and Bogotá — officials said."
    assert article.encoding == "utf-8, mojibake fixed"


def test_read_article_leaves_clean_utf8_untouched(tmp_path):
    text = "Port strike in Valparaíso\n\nDockers said “no” to the ﬁnal offer at 8 p.m. &amp; left."
    path = tmp_path / "clean.txt"
    path.write_text(text, encoding="utf-8")
    article = read_article(path)
    assert article.text == text.split("\n\n", 1)[1], "only mojibake is repaired: quotes, ligatures and entities stay"
    assert article.encoding == "utf-8"


def test_read_article_keeps_cyrillic_legacy_encodings(tmp_path):
    text = "Войска вошли в город в понедельник утром, сообщили местные власти."
    path = tmp_path / "ru.txt"
    path.write_bytes(text.encode("cp1251"))
    article = read_article(path)
    assert article.text == text
    assert article.encoding == "cp1251"


def test_read_article_html_believes_its_declared_charset(tmp_path):
    path = tmp_path / "page.html"
    path.write_bytes(
        b'<html><head><meta charset="iso-8859-1"><title>Troops in Nari\xf1o</title></head><body><article>'
        b"<p>Troops were sent to Nari\xf1o on Monday, officials said in a \x93short\x94 statement to reporters.</p>"
        b"</article></body></html>"
    )
    article = read_article(path)
    assert "Nariño on Monday" in article.text and "“short”" in article.text
    assert article.encoding == "cp1252"


def test_article_from_text_has_no_encoding():
    assert article_from_text("Raid in Manta.").encoding is None


# ---------------------------------------------------------------------------- paths that cannot be read
def _lines(results):
    return [str(r) for r in results if isinstance(r, ArticleError)]


def test_read_articles_reports_a_dangling_symlink_and_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text(TEXT)
    (tmp_path / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    (tmp_path / "picture.png").symlink_to(tmp_path / "deleted.png")  # not an article: no line
    results = list(read_articles([tmp_path]))
    assert _lines(results) == [
        f"{str(tmp_path / 'gone.txt')!r}: is a broken symlink (to {str(tmp_path / 'deleted.txt')!r})"
    ]
    assert [r.title for r in results if not isinstance(r, ArticleError)] == ["Curfew declared in Esmeraldas"]


def test_read_articles_reports_symlink_loops_and_goes_on(tmp_path):
    (tmp_path / "good.txt").write_text(TEXT)
    (tmp_path / "self.txt").symlink_to(tmp_path / "self.txt")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "up").symlink_to(tmp_path)
    results = list(read_articles([tmp_path]))
    lines = _lines(results)
    assert len(lines) == 2
    assert "self.txt': is a symlink loop" in lines[0]
    assert "up': is a symlink loop" in lines[1]
    assert sum(not isinstance(r, ArticleError) for r in results) == 1


def test_read_articles_follows_a_symlinked_folder_once(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.txt").write_text(TEXT)
    (tmp_path / "alias").symlink_to(real)
    (tmp_path / "alias2").symlink_to(real)
    results = list(read_articles([tmp_path]))
    assert _lines(results) == []
    assert len(results) == 1


def test_read_articles_reports_a_symlink_loop_named_on_the_command_line(tmp_path):
    loop = tmp_path / "loop.txt"
    loop.symlink_to(loop)
    (tmp_path / "good.txt").write_text(TEXT)
    results = list(read_articles([loop, tmp_path / "good.txt", tmp_path / "missing.txt"]))
    assert _lines(results) == [
        f"{str(loop)!r}: is a symlink loop",
        f"{str(tmp_path / 'missing.txt')!r}: no such file or folder",
    ]
    assert results[1].title == "Curfew declared in Esmeraldas"


def test_article_errors_quote_file_names_so_a_newline_cannot_split_the_line(tmp_path):
    path = tmp_path / "two\nlines.txt"
    path.write_text("")
    (error,) = list(read_articles([tmp_path]))
    assert isinstance(error, EmptyArticleError)
    assert "\n" not in str(error)
    assert str(error) == f"{str(path)!r}: is empty"
    assert error.path == str(path)


def test_ingest_stores_the_encoding_and_reads_stores_written_before_it(tmp_path, settings):
    import pandas as pd

    from geodata.ingest import ingest_paths
    from geodata.store import EventStore

    first = tmp_path / "first.txt"
    first.write_text(TEXT, encoding="utf-8")
    ingest_paths([first], settings.store_dir, settings=settings)
    store = EventStore(settings.store_dir)
    (part,) = store.manifest()["parts"]
    articles_file = store.path / "articles" / f"{part['name']}.parquet"
    old = pd.read_parquet(articles_file).drop(columns=["encoding"])
    old.to_parquet(articles_file)  # as a store written before the column existed
    second = tmp_path / "second.txt"
    second.write_bytes("Floods in Nariño\n\nRivers rose in Tumaco on Monday, officials said.".encode("latin-1"))
    ingest_paths([second], settings.store_dir, settings=settings)
    articles = EventStore(settings.store_dir).articles().set_index("title")
    assert articles.loc["Floods in Nariño", "encoding"] == "cp1252"
    assert pd.isna(articles.loc["Curfew declared in Esmeraldas", "encoding"])
    assert list(EventStore(settings.store_dir).articles(columns=["doc_id", "encoding"]).columns) == [
        "doc_id",
        "encoding",
    ]


def test_read_article_html_file_without_markup_is_read_as_text(tmp_path):
    path = tmp_path / "saved-as.html"
    path.write_text("Curfew in Esmeraldas\n\nThe governor imposed a night curfew on Tuesday.", encoding="utf-8")
    article = read_article(path)
    assert (article.title, article.text) == ("Curfew in Esmeraldas", "The governor imposed a night curfew on Tuesday.")
