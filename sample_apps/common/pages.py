"""The HTML the sample apps serve; small on purpose, the flags are the point."""

from __future__ import annotations

from html import escape

from sample_apps.common.flags import Storefront

_STYLE = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto}.banner{color:#fff;padding:.5rem}"


def _page(title: str, body: str) -> str:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def home_page(store: Storefront, visitor: str | None) -> str:
    """The store's front page as `store` says it should look for `visitor` (None for anonymous)."""
    greeting = f"Hello, {escape(visitor)}" if visitor else "Hello, visitor (<a href='/login'>log in</a>)"
    checkout = "the new one-click checkout" if store.new_checkout else "the classic checkout"
    search = "legacy search" if store.legacy_search else "search"
    return _page(
        "Sample store",
        f"<div class='banner' style='background:{escape(store.banner_color)}'>{greeting}</div>"
        f"<p>Up to {store.max_items} items per order, shown in {store.layout.get('columns', 1)} columns, "
        f"with {checkout} and {search}.</p>",
    )


def login_page(error: str | None = None, hidden_fields: str = "") -> str:
    """A log-in form posting `email` and `password` to /login; `hidden_fields` is extra HTML (a CSRF token)."""
    message = f"<p role='alert'>{escape(error)}</p>" if error else ""
    return _page(
        "Log in",
        f"{message}<form method='post' action='/login'>{hidden_fields}"
        "<label>Email <input name='email' type='email'></label> "
        "<label>Password <input name='password' type='password'></label> "
        "<button>Log in</button></form>",
    )


def account_page(name: str, plan: str, max_items: int) -> str:
    """The signed-in user's account page."""
    return _page("Account", f"<p>{escape(name)}, your plan is {escape(plan)}: up to {max_items} items per order.</p>")


def beta_page(enabled: bool) -> str:
    """The page behind the flag that does not exist."""
    return _page("Beta", "<p>Welcome to the beta dashboard.</p>" if enabled else "<p>The beta is closed.</p>")
