import type { RestRequest } from "./routing.js";

/**
 * GitHub's page/per_page pagination with a Link header, which is what `octokit.paginate` follows:
 * it stops only when there is no rel="next".
 */
export function paginate<T>(items: T[], req: RestRequest, apiUrl: string): { page: T[]; headers: Record<string, string> } {
  const perPage = Math.min(Math.max(Number(req.query.get("per_page")) || 30, 1), 100);
  const page = Math.max(Math.floor(Number(req.query.get("page")) || 1), 1);
  const lastPage = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (n: number, rel: string): string => {
    const query = new URLSearchParams(req.query);
    query.set("per_page", String(perPage));
    query.set("page", String(n));
    return `<${apiUrl}${req.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (page > 1) links.push(link(page - 1, "prev"));
  if (page < lastPage) links.push(link(page + 1, "next"), link(lastPage, "last"));
  if (page > 1) links.push(link(1, "first"));
  return { page: items.slice((page - 1) * perPage, page * perPage), headers: links.length ? { link: links.join(", ") } : {} };
}
