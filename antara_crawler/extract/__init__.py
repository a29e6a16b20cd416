"""Pure extraction: HTML in, items out. No Scrapy crawler machinery, no database.

    from antara_crawler.extract import parse_article, NotArticle
    article = parse_article(html, url)          # raises NotArticle(reason) for pages that are not articles
"""
