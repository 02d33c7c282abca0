import VAE
print("vae-bench", VAEEngine.version)
