package dev.loupe.cli;

import dev.loupe.LoupeException;
import dev.loupe.ranking.QueryStrategy;

import java.util.Locale;

/** Query strategy names as users type them (least-confidence, margin, entropy, random). */
final class Strategies {

    private Strategies() {
    }

    static QueryStrategy parse(String name) {
        String n = name.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        if (n.equals("DEFAULT")) {
            return QueryStrategy.MARGIN;
        }
        try {
            return QueryStrategy.valueOf(n);
        } catch (IllegalArgumentException e) {
            throw new LoupeException("Unknown strategy '" + name + "': use margin, least-confidence, entropy or random.");
        }
    }

    static String name(QueryStrategy s) {
        return s.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
