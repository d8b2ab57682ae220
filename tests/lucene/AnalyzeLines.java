import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.CharArraySet;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.core.KeywordAnalyzer;
import org.apache.lucene.analysis.core.SimpleAnalyzer;
import org.apache.lucene.analysis.core.WhitespaceAnalyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.analysis.tokenattributes.OffsetAttribute;
import org.apache.lucene.analysis.tokenattributes.PositionIncrementAttribute;
import org.apache.lucene.analysis.tokenattributes.TypeAttribute;

/**
 * Differential-testing harness: analyzes each input line with a real Lucene analyzer.
 *
 * Usage: java AnalyzeLines (standard|whitespace|keyword|simple) [maxTokenLength]
 * Input: one string per line, as hex UTF-16 code units (4 hex digits each; an empty line is the empty string),
 * so any string (newlines, lone surrogates) survives the trip. Output: one line per input with its tokens
 * separated by spaces, each token "hex(term),startOffset,endOffset,positionIncrement,type".
 * Used by tests/embedded_node/analysis/test_analysis.py (marker "lucene") against embedded_node/analysis.
 */
public final class AnalyzeLines {
  private static String decode(String hex) {
    char[] cs = new char[hex.length() / 4];
    for (int i = 0; i < cs.length; i++) {
      cs[i] = (char) Integer.parseInt(hex.substring(4 * i, 4 * i + 4), 16);
    }
    return new String(cs);
  }

  private static void hex(StringBuilder sb, CharSequence s) {
    for (int i = 0; i < s.length(); i++) {
      sb.append(String.format("%04x", (int) s.charAt(i)));
    }
  }

  public static void main(String[] args) throws Exception {
    String name = args.length > 0 ? args[0] : "standard";
    Analyzer analyzer;
    switch (name) {
      case "standard":
        StandardAnalyzer std = new StandardAnalyzer(CharArraySet.EMPTY_SET);
        if (args.length > 1) std.setMaxTokenLength(Integer.parseInt(args[1]));
        analyzer = std;
        break;
      case "whitespace": analyzer = new WhitespaceAnalyzer(); break;
      case "keyword": analyzer = new KeywordAnalyzer(); break;
      case "simple": analyzer = new SimpleAnalyzer(); break;
      default: throw new IllegalArgumentException("unknown analyzer " + name);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.US_ASCII));
    String line;
    StringBuilder sb = new StringBuilder();
    while ((line = in.readLine()) != null) {
      sb.setLength(0);
      try (TokenStream ts = analyzer.tokenStream("f", decode(line.trim()))) {
        CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
        OffsetAttribute off = ts.addAttribute(OffsetAttribute.class);
        PositionIncrementAttribute inc = ts.addAttribute(PositionIncrementAttribute.class);
        TypeAttribute type = ts.addAttribute(TypeAttribute.class);
        ts.reset();
        boolean first = true;
        while (ts.incrementToken()) {
          if (!first) sb.append(' ');
          first = false;
          hex(sb, term);
          sb.append(',').append(off.startOffset()).append(',').append(off.endOffset())
            .append(',').append(inc.getPositionIncrement()).append(',').append(type.type());
        }
        ts.end();
      }
      out.println(sb);
    }
    out.flush();
  }
}
