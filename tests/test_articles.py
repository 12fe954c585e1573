"""Reading articles: formats, metadata, encodings and one clear error per bad file."""

from __future__ import annotations

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
