// The words generated worlds are made of: company and person names, vendors and their URLs.

// Several words a line (prettier would put one a line, pages of names).
// prettier-ignore
export const PREFIXES = ['Apex', 'Birch', 'Cobalt', 'Dune', 'Echo', 'Fjord', 'Glacier', 'Helix', 'Indigo', 'Jasper', 'Kestrel',
  'Lattice', 'Meridian', 'Nimbus', 'Onyx', 'Prism', 'Quill', 'Redwood', 'Sable', 'Tundra', 'Umber', 'Vertex'];
// prettier-ignore
export const TRADES = ['Analytics', 'Bio', 'Cloud', 'Dynamics', 'Finance', 'Genomics', 'Insurance', 'Labs', 'Logistics',
  'Media', 'Mobility', 'Retail', 'Security', 'Software', 'Studios', 'Telecom'];
// prettier-ignore
export const GIVEN = ['ada', 'ben', 'chloe', 'dmitri', 'elif', 'farah', 'gustavo', 'hana', 'ines', 'jonas', 'kwame', 'lena',
  'mateo', 'noor', 'olga', 'priya', 'quentin', 'rosa', 'sven', 'tomas', 'yara', 'zoe'];
// prettier-ignore
export const FAMILY = ['adeyemi', 'bauer', 'castro', 'dupont', 'eriksen', 'fischer', 'gonzalez', 'haddad', 'ito', 'jensen',
  'kowalski', 'lindqvist', 'moreau', 'nakamura', 'oliveira', 'petrov', 'ramirez', 'schmidt', 'tran', 'weber'];

/** Vendor slug → base URL; `{org}` becomes the owner account's slug. */
export const VENDORS: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  'google-ai': 'https://generativelanguage.googleapis.com/v1beta',
  mistral: 'https://api.mistral.ai/v1',
  cohere: 'https://api.cohere.com/v2',
  'meta-llama': 'https://api.llama.com/v1',
  together: 'https://api.together.xyz/v1',
  fireworks: 'https://api.fireworks.ai/inference/v1',
  groq: 'https://api.groq.com/openai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  perplexity: 'https://api.perplexity.ai',
  openrouter: 'https://openrouter.ai/api/v1',
  xai: 'https://api.x.ai/v1',
  'azure-openai': 'https://{org}.openai.azure.com/openai',
  bedrock: 'https://bedrock-runtime.eu-west-1.amazonaws.com',
  vllm: 'http://vllm.{org}.internal:8000/v1',
  ollama: 'http://localhost:11434/v1',
};
export const VENDOR_SLUGS = Object.keys(VENDORS);
export const ENVIRONMENTS = ['', '', '', '-prod', '-staging', '-dev', '-eu', '-us', '-batch', '-fallback', '-research'];

/** Descriptions a database must keep byte for byte: quotes, LIKE wildcards, backslashes, SQL, emoji, RTL. */
export const AWKWARD = [
  `O'Reilly's "primary" key`,
  '100% of traffic_to_this_one',
  'C:\\keys\\prod\\ (backslashes)',
  "'; DROP TABLE providers; --",
  'Robot 🤖 with a 🔑 and a flag 🇪🇺',
  'مزود النماذج الرئيسي',
  'ספק גיבוי (RTL) mixed with LTR',
  'tab\tand\nnewline',
];
