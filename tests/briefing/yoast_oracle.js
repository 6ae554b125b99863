// Runs the yoastseo@3.6.0 npm package (GPL-3.0, installed into a cache folder by the test,
// never bundled) on a list of papers and prints its per-assessment scores as JSON.
// Usage: node yoast_oracle.js <node_modules dir> < papers.json > results.json
// Input: [{text, keyword, title, titleWidth, description, slug, locale}]
// Output: [{seo: {id: score}, readability: {id: score}, flesch: number}]
"use strict";
const path = require("path");
const fs = require("fs");
const modules = process.argv[2];
const req = (p) => require(path.join(modules, "yoastseo", "build", p));
const yoast = req("index.js");
const Researcher = req("languageProcessing/languages/en/Researcher.js").default;
const build = req("parse/build/build.js").default;
const LanguageProcessor = req("parse/language/LanguageProcessor.js").default;
const { Paper, assessors } = yoast;

const papers = JSON.parse(fs.readFileSync(0, "utf8"));
const out = papers.map((p) => {
  const paper = new Paper(p.text, {
    keyword: p.keyword, title: p.title, titleWidth: p.titleWidth,
    description: p.description, slug: p.slug, locale: p.locale || "en_US",
    permalink: p.permalink || "",
  });
  const researcher = new Researcher(paper);
  paper.setTree(build(paper, new LanguageProcessor(researcher), []));
  const pick = (assessor) => {
    assessor.assess(paper);
    const res = {};
    for (const r of assessor.getValidResults()) {
      res[r._identifier] = { score: r.score, text: r.text };
    }
    return res;
  };
  const seo = pick(new assessors.SEOAssessor(researcher));
  const readability = pick(new assessors.ContentAssessor(researcher));
  let flesch = null;
  try { flesch = researcher.getResearch("getFleschReadingScore").score; } catch (e) { flesch = null; }
  return { seo, readability, flesch };
});
process.stdout.write(JSON.stringify(out));
