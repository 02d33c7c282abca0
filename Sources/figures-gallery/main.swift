import Figures
print("figures-gallery", FiguresLibrary.version)
