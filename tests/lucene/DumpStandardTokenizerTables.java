import java.lang.reflect.Field;

/**
 * Prints the JFlex DFA tables of Lucene's StandardTokenizerImpl as JSON on stdout.
 *
 * The embedded node's StandardTokenizer (embedded_node/analysis/standard.py) runs these exact
 * tables, so it inherits Lucene's Unicode 9 word-break classes and emoji grammar instead of approximating them.
 * Regenerate with tests/lucene/gen_standard_tables.py.
 */
public final class DumpStandardTokenizerTables {
  private static Object get(Class<?> c, String name) throws Exception {
    Field f = c.getDeclaredField(name);
    f.setAccessible(true);
    return f.get(null);
  }

  private static void ints(StringBuilder sb, String name, int[] a) {
    sb.append('"').append(name).append("\":[");
    for (int i = 0; i < a.length; i++) {
      if (i > 0) sb.append(',');
      sb.append(a[i]);
    }
    sb.append(']');
  }

  public static void main(String[] args) throws Exception {
    Class<?> c = Class.forName("org.apache.lucene.analysis.standard.StandardTokenizerImpl");
    char[] cmap = (char[]) get(c, "ZZ_CMAP");
    StringBuilder sb = new StringBuilder();
    sb.append("{\"lucene_version\":\"").append(org.apache.lucene.util.Version.LATEST).append("\",");
    sb.append("\"cmap_length\":").append(cmap.length).append(',');
    // cmap as runs: [start, class] for each position where the class changes
    sb.append("\"cmap_runs\":[");
    boolean first = true;
    for (int i = 0; i < cmap.length; i++) {
      if (i == 0 || cmap[i] != cmap[i - 1]) {
        if (!first) sb.append(',');
        first = false;
        sb.append(i).append(',').append((int) cmap[i]);
      }
    }
    sb.append("],");
    ints(sb, "action", (int[]) get(c, "ZZ_ACTION"));
    sb.append(',');
    ints(sb, "rowmap", (int[]) get(c, "ZZ_ROWMAP"));
    sb.append(',');
    ints(sb, "trans", (int[]) get(c, "ZZ_TRANS"));
    sb.append(',');
    ints(sb, "attribute", (int[]) get(c, "ZZ_ATTRIBUTE"));
    sb.append(',');
    ints(sb, "lexstate", (int[]) get(c, "ZZ_LEXSTATE"));
    sb.append('}');
    System.out.println(sb);
  }
}
