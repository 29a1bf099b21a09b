/** Undoes the page's HTML escaping of text and attribute values. */
export const decode = (html: string) =>
  html.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[name]!);

/** A page's text as a person reads it: no markup, one space between words. */
export const textOf = (html: string) =>
  decode(html.replace(/<(script|style|head)[\s\S]*?<\/\1>/g, ' ').replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim();
