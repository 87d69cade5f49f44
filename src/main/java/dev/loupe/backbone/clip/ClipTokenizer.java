package dev.loupe.backbone.clip;

import dev.loupe.Faults;
import dev.loupe.backbone.BackboneException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * CLIP's byte-level BPE tokenizer (openai/CLIP {@code simple_tokenizer.py}), reading its merges file
 * ({@code bpe_simple_vocab_16e6.txt.gz}) from disk, so it runs offline. Text is cleaned ({@link ClipTextCleaner}),
 * split by CLIP's pattern, each piece's UTF-8 bytes mapped to printable characters and merged by rank; the last
 * symbol of a piece carries {@code </w>}. Ids: the 256 byte symbols, the same with {@code </w>}, one per merge in
 * file order, then start and end of text. Thread-safe (immutable after loading).
 */
public final class ClipTokenizer {

    /** Tokens per text the CLIP text models take (start and end included). */
    public static final int CONTEXT_LENGTH = 77;
    /** Merges the reference reads: its vocabulary is 49,408 ids = 512 byte symbols + merges + 2 specials. */
    static final int MAX_MERGES = 49152 - 256 - 2;
    private static final String END_OF_WORD = "</w>";

    /** CLIP's pre-tokenisation (the special tokens, English contractions, letter runs, single digits, other runs). */
    private static final Pattern PIECES = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);

    private static final char[] BYTE_SYMBOL = byteSymbols();
    /** The byte symbols in id order: the reference lists the printable bytes first, then the others. */
    private static final char[] SYMBOL_ORDER = symbolOrder();

    private final Map<String, Integer> ids;
    private final Map<String, Integer> ranks; // "first second" → merge rank
    private final int startToken;
    private final int endToken;

    private ClipTokenizer(List<String[]> merges) {
        ids = new HashMap<>(4 * (merges.size() + 520));
        int next = 0;
        for (char c : SYMBOL_ORDER) {
            ids.put(String.valueOf(c), next++);
        }
        for (char c : SYMBOL_ORDER) {
            ids.put(c + END_OF_WORD, next++);
        }
        ranks = new HashMap<>(2 * merges.size());
        for (String[] m : merges) {
            ids.put(m[0] + m[1], next++);
            ranks.put(m[0] + ' ' + m[1], ranks.size());
        }
        startToken = next++;
        ids.put("<|startoftext|>", startToken);
        endToken = next;
        ids.put("<|endoftext|>", endToken);
    }

    /** Reads a gzipped merges file (a version line, then one "first second" merge per line). */
    public static ClipTokenizer load(Path gzFile) throws BackboneException {
        try (InputStream in = Files.newInputStream(gzFile)) {
            return read(new GZIPInputStream(in));
        } catch (IOException e) {
            throw new BackboneException("cannot read the CLIP vocabulary " + gzFile + ": " + Faults.describe(e), e);
        }
    }

    /** Reads an uncompressed merges stream (a version line, then one "first second" merge per line). */
    public static ClipTokenizer read(InputStream plain) throws IOException {
        BufferedReader r = new BufferedReader(new InputStreamReader(plain, StandardCharsets.UTF_8));
        String header = r.readLine();
        if (header == null) {
            throw new IOException("empty vocabulary file");
        }
        List<String[]> merges = new ArrayList<>();
        String line;
        int lineNo = 1;
        while ((line = r.readLine()) != null && merges.size() < MAX_MERGES) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String[] parts = line.split(" ");
            if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
                throw new IOException("line " + lineNo + " is not a merge (two symbols): " + line);
            }
            merges.add(parts);
        }
        if (merges.isEmpty()) {
            throw new IOException("no merges in the vocabulary file");
        }
        return new ClipTokenizer(merges);
    }

    public int startToken() {
        return startToken;
    }

    public int endToken() {
        return endToken;
    }

    /** Number of ids (the text model's embedding table must have at least as many rows). */
    public int vocabularySize() {
        return endToken + 1;
    }

    /** The BPE ids of {@code text}, without start and end tokens. */
    public int[] encode(String text) {
        String clean = ClipTextCleaner.clean(text);
        List<Integer> out = new ArrayList<>();
        Matcher m = PIECES.matcher(clean);
        while (m.find()) {
            String piece = m.group();
            if (piece.equals("<|startoftext|>") || piece.equals("<|endoftext|>")) {
                out.add(ids.get(piece));
                continue;
            }
            byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
            StringBuilder sym = new StringBuilder(utf8.length);
            for (byte b : utf8) {
                sym.append(BYTE_SYMBOL[b & 0xff]);
            }
            for (String token : bpe(sym.toString())) {
                Integer id = ids.get(token);
                if (id == null) {
                    throw new IllegalStateException("BPE produced a symbol outside the vocabulary: " + token);
                }
                out.add(id);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Start token, {@link #encode}, end token, cut to {@code contextLength} (the last kept id becomes the end token,
     * as the reference's {@code truncate=True} does) and padded with 0.
     */
    public int[] tokens(String text, int contextLength) {
        int[] body = encode(text);
        int[] out = new int[contextLength];
        int n = Math.min(body.length + 2, contextLength);
        out[0] = startToken;
        System.arraycopy(body, 0, out, 1, Math.min(body.length, contextLength - 1));
        out[n - 1] = endToken;
        return out;
    }

    /** Number of non-padding ids of a {@link #tokens} row: its attention mask is 1 for those, 0 after. */
    public int length(int[] tokens) {
        for (int i = 0; i < tokens.length; i++) {
            if (tokens[i] == endToken) {
                return i + 1;
            }
        }
        return tokens.length;
    }

    /** Merges the symbols of one piece, lowest rank first, every occurrence left to right. */
    private List<String> bpe(String piece) {
        List<String> word = new ArrayList<>(piece.length());
        for (int i = 0; i < piece.length(); i++) {
            word.add(String.valueOf(piece.charAt(i)));
        }
        int last = word.size() - 1;
        word.set(last, word.get(last) + END_OF_WORD);
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + ' ' + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) {
                break;
            }
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        return word;
    }

    /**
     * GPT-2's reversible byte → character table: printable Latin-1 bytes stand for themselves, the other 68 bytes
     * for U+0100 onwards in byte order, so no symbol is white space or a control character.
     */
    private static char[] byteSymbols() {
        char[] map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            map[b] = printable(b) ? (char) b : (char) (256 + extra++);
        }
        return map;
    }

    private static char[] symbolOrder() {
        char[] order = new char[256];
        int k = 0;
        for (int pass = 0; pass < 2; pass++) {
            for (int b = 0; b < 256; b++) {
                if (printable(b) == (pass == 0)) {
                    order[k++] = BYTE_SYMBOL[b];
                }
            }
        }
        return order;
    }

    private static boolean printable(int b) {
        return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    @Override
    public String toString() {
        return "ClipTokenizer[" + vocabularySize() + " ids]";
    }
}
