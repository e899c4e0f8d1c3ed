"""Rule map_words: the interactive t-SNE map of the most frequent words, the most frequent
written on it (coloured by a seeded KMeans of their vectors), and the analogy queries as arrows
on a PCA projection of their own words."""

from embedlab.analogy.answers import resolve_query
from embedlab.common.joblog import job_log
from embedlab.common.tables import read_tsv
from embedlab.explore.page import data_url_length, warn_unless_it_fits
from embedlab.explore.wordmap import analogy_arrows, word_clusters, word_map
from embedlab.images.analysis.settings import max_perplexity
from embedlab.images.analysis.tsne import tsne_embed
from embedlab.vectors.store import read_store

with job_log(snakemake.log[0]) as log:
    p = snakemake.params
    store = read_store(snakemake.input.store)
    n = min(p.n, len(store.words))
    perplexity = min(p.perplexity, max_perplexity(n))
    note = None
    if perplexity < p.perplexity:
        note = f"explore.words.perplexity {p.perplexity:g} -> {perplexity:g}: {n} words"
        log.warning("adapted to the data: %s", note)
    result = tsne_embed(store.vectors[:n], perplexity, p.seed, n_jobs=snakemake.threads)
    clusters = word_clusters(store.vectors[:n], p.clusters, p.seed)
    answers = {
        r["query"]: r["word"]
        for r in read_tsv(snakemake.input.queries)
        if r["method"] == "3CosAdd" and r["rank"] == "1"
    }
    queries = []
    for text in p.queries:
        query = resolve_query(text, store.index)
        if not query.missing and answers.get(text):
            queries.append((text, query.terms, answers[text]))
    vectors = {
        w: store.vectors[store.index[w]]
        for _, terms, a in queries
        for w in [*(t for _, t in terms), a]
    }
    arrows, coords = analogy_arrows(queries, vectors)
    title = (
        f"t-SNE of the {n} most frequent words of {snakemake.wildcards.name}, "
        f"perplexity {perplexity:g}, colours: {clusters.max() + 1} KMeans clusters "
        "(zoom in for more words; hover: word)"
    )
    size = word_map(
        result.coords,
        store.words[:n],
        list(range(1, n + 1)),
        clusters,
        arrows,
        coords,
        snakemake.output.html,
        title,
        note,
        labels=p.labels,
    )
    log.info(
        "map of %d words (KL %.4f), %d analogy arrows: %d bytes, %d as the report's data: URL",
        n,
        result.kl_divergence,
        len(arrows),
        size,
        data_url_length(size),
    )
    warn_unless_it_fits(
        log, size, " (lower explore.words.n, or read it in the zip report: make report-zip)"
    )
