import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.FieldType;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.ConstantScoreQuery;
import org.apache.lucene.search.DisjunctionMaxQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.MatchNoDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.similarity.LegacyBM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.QueryBuilder;

/**
 * Conformance harness: indexes a corpus with real Lucene 8.8 (StandardAnalyzer without stop words,
 * LegacyBM25Similarity as OpenSearch configures it) and runs OpenSearch-DSL queries translated the way
 * OpenSearch's query builders translate them (MatchQuery, MultiMatchQuery, BoolQueryBuilder, ...).
 *
 * Usage: java ConformanceHarness input.json output.txt
 * input: {"mappings": {field: "text"|"text_no_norms"|"keyword"}, "segments": [[doc, ...], ...], "deletes": [id, ...],
 *         "queries": [dsl, ...]}; a doc is {"_id": id, field: string | [strings]}.
 * output: one line per query: "id=hexbits id=hexbits ..." (all hits, any order) or "ERROR message".
 * Used by tests/embedded_node/similarity/test_lucene_conformance.py against the embedded node.
 */
public final class ConformanceHarness {
  private static Map<String, String> mappings;
  private static Analyzer analyzer;

  public static void main(String[] args) throws Exception {
    Object input = new Json(new String(Files.readAllBytes(Paths.get(args[0])), StandardCharsets.UTF_8)).parse();
    Map<String, Object> root = asMap(input);
    mappings = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : asMap(root.get("mappings")).entrySet()) {
      mappings.put(e.getKey(), (String) e.getValue());
    }
    analyzer = new StandardAnalyzer(CharArraySet.EMPTY_SET);
    LegacyBM25Similarity similarity = new LegacyBM25Similarity();
    ByteBuffersDirectory dir = new ByteBuffersDirectory();
    IndexWriterConfig config = new IndexWriterConfig(analyzer);
    config.setSimilarity(similarity);
    config.setMergePolicy(NoMergePolicy.INSTANCE);
    try (IndexWriter writer = new IndexWriter(dir, config)) {
      for (Object segment : asList(root.get("segments"))) {
        for (Object doc : asList(segment)) {
          writer.addDocument(toDocument(asMap(doc)));
        }
        writer.flush();
      }
      for (Object id : asList(root.get("deletes"))) {
        writer.deleteDocuments(new Term("_id", (String) id));
      }
      writer.commit();
    }
    try (DirectoryReader reader = DirectoryReader.open(dir);
         PrintWriter out = new PrintWriter(Files.newBufferedWriter(Paths.get(args[1]), StandardCharsets.UTF_8))) {
      IndexSearcher searcher = new IndexSearcher(reader);
      searcher.setSimilarity(similarity);
      for (Object dsl : asList(root.get("queries"))) {
        StringBuilder line = new StringBuilder();
        try {
          Query query = toQuery(dsl, false);
          TopDocs top = searcher.search(query, Math.max(1, reader.maxDoc()));
          for (ScoreDoc sd : top.scoreDocs) {
            if (line.length() > 0) line.append(' ');
            line.append(reader.document(sd.doc).get("_id")).append('=')
                .append(String.format("%08x", Float.floatToRawIntBits(sd.score)));
          }
        } catch (RuntimeException e) {
          line.setLength(0);
          line.append("ERROR ").append(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
        }
        out.println(line);
      }
    }
  }

  /** A text field mapped with "norms": false. */
  private static final FieldType TEXT_NO_NORMS = new FieldType(TextField.TYPE_NOT_STORED);
  static {
    TEXT_NO_NORMS.setOmitNorms(true);
    TEXT_NO_NORMS.freeze();
  }

  private static Document toDocument(Map<String, Object> source) {
    Document doc = new Document();
    doc.add(new StringField("_id", (String) source.get("_id"), Field.Store.YES));
    for (Map.Entry<String, Object> e : source.entrySet()) {
      String type = mappings.get(e.getKey());
      if (type == null) continue;
      List<Object> values = e.getValue() instanceof List ? asList(e.getValue()) : List.of(e.getValue());
      for (Object v : values) {
        if (type.equals("text")) doc.add(new TextField(e.getKey(), (String) v, Field.Store.NO));
        else if (type.equals("text_no_norms")) doc.add(new Field(e.getKey(), (String) v, TEXT_NO_NORMS));
        else doc.add(new StringField(e.getKey(), (String) v, Field.Store.NO));
      }
    }
    return doc;
  }

  // ---- OpenSearch query builders ---------------------------------------------------------------------

  private static Query toQuery(Object dsl, boolean filterContext) {
    Map<String, Object> wrapper = asMap(dsl);
    Map.Entry<String, Object> entry = wrapper.entrySet().iterator().next();
    String type = entry.getKey();
    Object body = entry.getValue();
    switch (type) {
      case "match": return match(asMap(body));
      case "multi_match": return multiMatch(asMap(body));
      case "term": return term(asMap(body));
      case "bool": return bool(asMap(body), filterContext);
      case "dis_max": return disMax(asMap(body), filterContext);
      case "constant_score": {
        Map<String, Object> b = asMap(body);
        return boosted(new ConstantScoreQuery(toQuery(b.get("filter"), true)), boost(b));
      }
      case "match_all": return boosted(new MatchAllDocsQuery(), boost(asMap(body)));
      case "match_none": return new MatchNoDocsQuery();
      default: throw new IllegalArgumentException("unknown query " + type);
    }
  }

  private static float boost(Map<String, Object> body) {
    Object b = body.get("boost");
    return b == null ? 1f : ((Number) b).floatValue();
  }

  private static Query boosted(Query q, float boost) {
    if (boost == 1f || q instanceof MatchNoDocsQuery) return q;
    return new BoostQuery(q, boost);
  }

  /** {field: text} or {field: {query, operator, minimum_should_match, zero_terms_query, boost}}. */
  private static Query match(Map<String, Object> body) {
    Map.Entry<String, Object> e = body.entrySet().iterator().next();
    String field = e.getKey();
    Map<String, Object> p = e.getValue() instanceof Map ? asMap(e.getValue()) : Map.of("query", e.getValue());
    Query q = matchField(field, String.valueOf(p.get("query")), p);
    q = applyMsm(q, p.get("minimum_should_match"));
    return boosted(q, boost(p));
  }

  private static Query matchField(String field, String text, Map<String, Object> p) {
    String type = mappings.get(field);
    if (type == null) return new MatchNoDocsQuery("unmapped");
    if (type.equals("keyword")) return new TermQuery(new Term(field, text));  // text and text_no_norms: analyzed
    Occur occur = "and".equalsIgnoreCase(String.valueOf(p.getOrDefault("operator", "or"))) ? Occur.MUST : Occur.SHOULD;
    Query q = new QueryBuilder(analyzer).createBooleanQuery(field, text, occur);
    if (q == null) {
      return "all".equals(p.get("zero_terms_query")) ? new MatchAllDocsQuery() : new MatchNoDocsQuery("no terms");
    }
    return q;
  }

  private static Query multiMatch(Map<String, Object> body) {
    String text = String.valueOf(body.get("query"));
    String type = String.valueOf(body.getOrDefault("type", "best_fields"));
    float tie = body.containsKey("tie_breaker") ? ((Number) body.get("tie_breaker")).floatValue()
        : (type.equals("most_fields") ? 1f : 0f);
    Map<String, Float> fields = new LinkedHashMap<>();
    for (Object f : asList(body.get("fields"))) {
      String s = (String) f;
      int caret = s.indexOf('^');
      fields.put(caret < 0 ? s : s.substring(0, caret), caret < 0 ? 1f : Float.parseFloat(s.substring(caret + 1)));
    }
    List<Query> queries = new ArrayList<>();
    for (Map.Entry<String, Float> f : fields.entrySet()) {
      if (!mappings.containsKey(f.getKey())) continue;
      Query q = applyMsm(matchField(f.getKey(), text, body), body.get("minimum_should_match"));
      queries.add(boosted(q, f.getValue()));
    }
    Query combined = queries.isEmpty() ? new MatchNoDocsQuery("no fields")
        : queries.size() == 1 ? queries.get(0) : new DisjunctionMaxQuery(queries, tie);
    return boosted(combined, boost(body));
  }

  private static Query term(Map<String, Object> body) {
    Map.Entry<String, Object> e = body.entrySet().iterator().next();
    Map<String, Object> p = e.getValue() instanceof Map ? asMap(e.getValue()) : Map.of("value", e.getValue());
    if (!mappings.containsKey(e.getKey())) return new MatchNoDocsQuery("unmapped");
    return boosted(new TermQuery(new Term(e.getKey(), String.valueOf(p.get("value")))), boost(p));
  }

  private static Query bool(Map<String, Object> body, boolean filterContext) {
    List<Object> must = clauses(body, "must"), mustNot = clauses(body, "must_not");
    List<Object> should = clauses(body, "should"), filter = clauses(body, "filter");
    if (must.isEmpty() && mustNot.isEmpty() && should.isEmpty() && filter.isEmpty()) {
      return boosted(new MatchAllDocsQuery(), boost(body));
    }
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (Object q : must) b.add(toQuery(q, filterContext), Occur.MUST);
    for (Object q : mustNot) b.add(toQuery(q, true), Occur.MUST_NOT);
    for (Object q : should) b.add(toQuery(q, filterContext), Occur.SHOULD);
    for (Object q : filter) b.add(toQuery(q, true), Occur.FILTER);
    BooleanQuery bq = b.build();
    Object msm = body.get("minimum_should_match");
    if (filterContext && msm == null && !should.isEmpty()) msm = "1";
    Query q = applyMsm(bq, msm);
    boolean pureNegative = true;
    for (BooleanClause c : ((BooleanQuery) q).clauses()) pureNegative &= c.getOccur() == Occur.MUST_NOT;
    if (pureNegative) {
      BooleanQuery.Builder fixed = new BooleanQuery.Builder();
      for (BooleanClause c : ((BooleanQuery) q).clauses()) fixed.add(c);
      fixed.add(new MatchAllDocsQuery(), Occur.FILTER);
      fixed.setMinimumNumberShouldMatch(((BooleanQuery) q).getMinimumNumberShouldMatch());
      q = fixed.build();
    }
    return boosted(q, boost(body));
  }

  private static Query disMax(Map<String, Object> body, boolean filterContext) {
    List<Query> queries = new ArrayList<>();
    for (Object q : clauses(body, "queries")) queries.add(toQuery(q, filterContext));
    if (queries.isEmpty()) return new MatchNoDocsQuery("no clauses for dismax query.");
    float tie = body.containsKey("tie_breaker") ? ((Number) body.get("tie_breaker")).floatValue() : 0f;
    return boosted(new DisjunctionMaxQuery(queries, tie), boost(body));
  }

  private static List<Object> clauses(Map<String, Object> body, String key) {
    Object v = body.get(key);
    if (v == null) return new ArrayList<>();
    return v instanceof List ? asList(v) : List.of(v);
  }

  /** Queries.applyMinimumShouldMatch + calculateMinShouldMatch (OpenSearch). */
  private static Query applyMsm(Query q, Object spec) {
    if (spec == null || !(q instanceof BooleanQuery)) return q;
    BooleanQuery bq = (BooleanQuery) q;
    int optional = 0;
    for (BooleanClause c : bq.clauses()) if (c.getOccur() == Occur.SHOULD) optional++;
    int msm = calculateMinShouldMatch(optional, spec instanceof Number ? String.valueOf(((Number) spec).intValue())
        : (String) spec);
    if (msm <= 0) return q;
    BooleanQuery.Builder b = new BooleanQuery.Builder();
    for (BooleanClause c : bq.clauses()) b.add(c);
    b.setMinimumNumberShouldMatch(msm);
    return b.build();
  }

  private static final Pattern SPACE_AROUND_LT = Pattern.compile("(\\s+<\\s*)|(\\s*<\\s+)");

  static int calculateMinShouldMatch(int optionalClauseCount, String spec) {
    int result = optionalClauseCount;
    spec = spec.trim();
    if (spec.indexOf('<') > -1) {
      spec = SPACE_AROUND_LT.matcher(spec).replaceAll("<");
      for (String s : spec.split(" ")) {
        String[] parts = s.split("<", 0);
        int upperBound = Integer.parseInt(parts[0]);
        if (optionalClauseCount <= upperBound) return result;
        result = calculateMinShouldMatch(optionalClauseCount, parts[1]);
      }
      return result;
    }
    if (spec.indexOf('%') > -1) {
      spec = spec.substring(0, spec.length() - 1);
      int percent = Integer.parseInt(spec);
      float calc = (result * percent) * (1 / 100f);
      result = calc < 0 ? result + (int) calc : (int) calc;
    } else {
      int calc = Integer.parseInt(spec);
      result = calc < 0 ? result + calc : calc;
    }
    return result < 0 ? 0 : result;
  }

  // ---- a minimal JSON reader ---------------------------------------------------------------------------

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) { return (Map<String, Object>) o; }

  @SuppressWarnings("unchecked")
  private static List<Object> asList(Object o) { return o == null ? new ArrayList<>() : (List<Object>) o; }

  static final class Json {
    private final String s;
    private int i;

    Json(String s) { this.s = s; }

    Object parse() {
      ws();
      char c = s.charAt(i);
      if (c == '{') {
        Map<String, Object> m = new LinkedHashMap<>();
        i++; ws();
        if (s.charAt(i) == '}') { i++; return m; }
        while (true) {
          ws(); String k = (String) parse(); ws(); i++; // ':'
          m.put(k, parse()); ws();
          if (s.charAt(i++) == '}') return m;
        }
      }
      if (c == '[') {
        List<Object> l = new ArrayList<>();
        i++; ws();
        if (s.charAt(i) == ']') { i++; return l; }
        while (true) {
          l.add(parse()); ws();
          if (s.charAt(i++) == ']') return l;
        }
      }
      if (c == '"') {
        StringBuilder b = new StringBuilder();
        i++;
        while (true) {
          char ch = s.charAt(i++);
          if (ch == '"') return b.toString();
          if (ch != '\\') { b.append(ch); continue; }
          char esc = s.charAt(i++);
          switch (esc) {
            case 'n': b.append('\n'); break;
            case 't': b.append('\t'); break;
            case 'r': b.append('\r'); break;
            case 'b': b.append('\b'); break;
            case 'f': b.append('\f'); break;
            case 'u': b.append((char) Integer.parseInt(s.substring(i, i + 4), 16)); i += 4; break;
            default: b.append(esc);
          }
        }
      }
      if (s.startsWith("true", i)) { i += 4; return Boolean.TRUE; }
      if (s.startsWith("false", i)) { i += 5; return Boolean.FALSE; }
      if (s.startsWith("null", i)) { i += 4; return null; }
      int start = i;
      while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) i++;
      String num = s.substring(start, i);
      if (num.contains(".") || num.contains("e") || num.contains("E")) return Double.parseDouble(num);
      return Long.parseLong(num);
    }

    private void ws() { while (i < s.length() && Character.isWhitespace(s.charAt(i))) i++; }
  }
}
