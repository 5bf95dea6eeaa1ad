import { familyOfHost } from "./server-family.js";

/**
 * Azure OpenAI, chosen by configuration: `OPENAI_API_VERSION` selects the SDK's Azure client (deployment
 * URLs, `api-key` header, `api-version` query) on `AZURE_OPENAI_ENDPOINT` or an Azure `OPENAI_BASE_URL`;
 * an Azure endpoint without an api-version is used through its v1 API (`…/openai/v1/`), which takes the
 * plain OpenAI client. In both, `L2MAC_MODEL` is the deployment name.
 */

export interface AzureInput {
  baseURL?: string;
  apiVersion?: string;
  /** `AZURE_OPENAI_ENDPOINT`, e.g. https://my-resource.openai.azure.com */
  endpoint?: string;
}

export type AzureConnection =
  | { kind: "not-azure" }
  /** The SDK's Azure client: `baseURL` is `<endpoint>/openai` (or a deployment URL), `apiVersion` the query. */
  | { kind: "deployments"; baseURL: string; apiVersion: string }
  /** Azure's v1 API: the plain client on this base URL. */
  | { kind: "v1"; baseURL: string };

const V1_PATH = /\/openai\/v1\/?$/;

/** How to reach Azure for this configuration; a string is the problem to tell the user. */
export function azureConnection(input: AzureInput): AzureConnection | string {
  const azureBase = input.baseURL !== undefined && familyOfHost(input.baseURL) === "azure";
  if (input.apiVersion) {
    const base = input.endpoint ?? input.baseURL;
    if (!base)
      return "OPENAI_API_VERSION is set, which selects Azure OpenAI, but no endpoint is: set AZURE_OPENAI_ENDPOINT (e.g. https://my-resource.openai.azure.com).";
    if (V1_PATH.test(base)) return { kind: "v1", baseURL: base };
    const trimmed = base.replace(/\/+$/, "");
    const baseURL = /\/openai(\/deployments\/[^/]+)?$/.test(trimmed) ? trimmed : `${trimmed}/openai`;
    return { kind: "deployments", baseURL, apiVersion: input.apiVersion };
  }
  if (input.endpoint) return { kind: "v1", baseURL: `${input.endpoint.replace(/\/+$/, "")}/openai/v1` };
  if (azureBase) {
    if (V1_PATH.test(input.baseURL!)) return { kind: "v1", baseURL: input.baseURL! };
    return "OPENAI_BASE_URL points at Azure OpenAI but OPENAI_API_VERSION is not set; set it (e.g. 2024-10-21) and use the deployment name as L2MAC_MODEL, or use the v1 endpoint https://<resource>.openai.azure.com/openai/v1/.";
  }
  return { kind: "not-azure" };
}
