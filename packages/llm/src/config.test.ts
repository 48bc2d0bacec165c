import { describe, expect, it } from 'vitest';
import { llmConfigFromEnv } from './config.ts';

describe('llmConfigFromEnv', () => {
  it('is null without LLM_MODEL, so the deterministic analyser runs', () => {
    expect(llmConfigFromEnv({ OPENAI_API_KEY: 'sk-test' })).toBeNull();
    expect(llmConfigFromEnv({ LLM_MODEL: '  ', OPENAI_API_KEY: 'sk-test' })).toBeNull();
  });

  it('is null with a model but neither a base URL nor an API key', () => {
    expect(llmConfigFromEnv({ LLM_MODEL: 'gpt-4o-mini' })).toBeNull();
  });

  it('enables a local server from a base URL alone, with the default timeout and retries', () => {
    expect(llmConfigFromEnv({ LLM_MODEL: 'qwen2.5:7b', OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1' })).toEqual({
      model: 'qwen2.5:7b',
      baseURL: 'http://127.0.0.1:11434/v1',
      timeoutMs: 20_000,
      maxRetries: 1,
    });
  });

  it('reads the key, the timeout and the retries', () => {
    expect(llmConfigFromEnv({ LLM_MODEL: 'm', OPENAI_API_KEY: 'sk-test', LLM_TIMEOUT_MS: '5000', LLM_MAX_RETRIES: '0' })).toEqual({
      model: 'm',
      apiKey: 'sk-test',
      timeoutMs: 5_000,
      maxRetries: 0,
    });
  });

  it('throws on a malformed value instead of ignoring it, without echoing the key', () => {
    expect(() => llmConfigFromEnv({ LLM_MODEL: 'm', OPENAI_API_KEY: 'sk-secret', LLM_TIMEOUT_MS: 'soon' })).toThrow(/timeoutMs/);
    expect(() => llmConfigFromEnv({ LLM_MODEL: 'm', OPENAI_BASE_URL: 'not a url' })).toThrow(/baseURL/);
    try {
      llmConfigFromEnv({ LLM_MODEL: 'm', OPENAI_API_KEY: 'sk-secret', LLM_MAX_RETRIES: '-1' });
    } catch (err) {
      expect(String(err)).not.toContain('sk-secret');
    }
  });
});
