"""LangChain chat model for xAI Grok through Cloudflare AI Gateway."""

from langchain_cfgateway_grok._version import __version__

__all__ = ["__version__"]
