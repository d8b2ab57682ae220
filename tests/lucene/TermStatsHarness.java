import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.standard.StandardTokenizer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NoMergePolicy;
import org.apache.lucene.index.PostingsEnum;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.TermStates;
import org.apache.lucene.index.Terms;
import org.apache.lucene.index.TermsEnum;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.similarities.ClassicSimilarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * Term statistics as real Lucene computes them, for the LTR plugin's explorer / term_stat conformance test.
 *
 * stdin: a line with the number of documents, then one line per document: id, then each value of the
 * "title" field (a multi-valued field when several), tab-separated, values as UTF-16BE hex; then one line per
 * term (UTF-16BE hex). The analyzer is OpenSearch's "standard" (StandardTokenizer + lowercase, no stop words)
 * with OpenSearch's position_increment_gap of 100 between values.
 *
 * stdout, per term: "T docFreq totalTermFreq docCount classicIdfFloatBits", then per document containing it:
 * "D id freq pos,pos,..." (0-based positions), then "E".
 */
public final class TermStatsHarness {
    static final class OpenSearchStandard extends Analyzer {
        @Override
        protected TokenStreamComponents createComponents(String field) {
            Tokenizer source = new StandardTokenizer();
            return new TokenStreamComponents(source, new LowerCaseFilter(source));
        }

        @Override
        public int getPositionIncrementGap(String field) {
            return 100;
        }
    }

    static String unhex(String hex) {
        byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return new String(bytes, StandardCharsets.UTF_16BE);
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        int n = Integer.parseInt(in.readLine().trim());
        ByteBuffersDirectory dir = new ByteBuffersDirectory();
        IndexWriterConfig config = new IndexWriterConfig(new OpenSearchStandard()).setMergePolicy(NoMergePolicy.INSTANCE);
        try (IndexWriter writer = new IndexWriter(dir, config)) {
            for (int i = 0; i < n; i++) {
                String[] parts = in.readLine().split("\t", -1);
                Document doc = new Document();
                doc.add(new StringField("_id", parts[0], Field.Store.YES));
                for (int v = 1; v < parts.length; v++) {
                    doc.add(new TextField("title", unhex(parts[v]), Field.Store.NO));
                }
                writer.addDocument(doc);
            }
            writer.commit();
        }
        List<String> terms = new ArrayList<>();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            if (!line.isEmpty()) {
                terms.add(unhex(line));
            }
        }
        PrintWriter out = new PrintWriter(System.out);
        try (DirectoryReader reader = DirectoryReader.open(dir)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            ClassicSimilarity sim = new ClassicSimilarity();
            long docCount = searcher.collectionStatistics("title") == null ? 0
                    : searcher.collectionStatistics("title").docCount();
            for (String text : terms) {
                Term term = new Term("title", text);
                TermStates states = TermStates.build(searcher.getTopReaderContext(), term, true);
                float idf = states.docFreq() > 0 ? sim.idf(states.docFreq(), docCount) : 0f;
                out.println("T " + states.docFreq() + " " + states.totalTermFreq() + " " + docCount + " "
                        + Float.floatToIntBits(idf));
                for (LeafReaderContext leaf : reader.leaves()) {
                    Terms field = leaf.reader().terms("title");
                    if (field == null) {
                        continue;
                    }
                    TermsEnum te = field.iterator();
                    if (!te.seekExact(new BytesRef(text))) {
                        continue;
                    }
                    PostingsEnum postings = te.postings(null, PostingsEnum.POSITIONS);
                    for (int d = postings.nextDoc(); d != DocIdSetIterator.NO_MORE_DOCS; d = postings.nextDoc()) {
                        StringBuilder positions = new StringBuilder();
                        for (int k = 0; k < postings.freq(); k++) {
                            if (k > 0) {
                                positions.append(',');
                            }
                            positions.append(postings.nextPosition());
                        }
                        String id = leaf.reader().document(d).get("_id");
                        out.println("D " + id + " " + postings.freq() + " " + positions);
                    }
                }
                out.println("E");
            }
        }
        out.flush();
    }
}
