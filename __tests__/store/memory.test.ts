import { createMemoryTokenStore } from 'tokengate'
import { tokenStoreContract } from './contract.js'

tokenStoreContract('memory', { open: async () => createMemoryTokenStore() })

test('the memory store answers lookups synchronously', () => {
  const store = createMemoryTokenStore()
  expect(store.findByHash('a'.repeat(64))).toBeNull()
})
