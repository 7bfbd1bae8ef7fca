"""One module per capability: ``async def run(job, deps) -> result``."""
